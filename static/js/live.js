/* Biostat's live parts: the notification socket, the unread badge, toasts, and the
 * recipient autocomplete. Everything here is an enhancement; without it every page
 * still works and shows fresh state on reload. No inline scripts, no innerHTML. */
(function () {
  "use strict";

  var script = document.currentScript;
  var socketPath = (script && script.dataset.socketPath) || "/ws/notifications/";
  var MIN_DELAY = 1000;
  var MAX_DELAY = 60000;
  var TOAST_MS = 10000;

  /* --- Unread badge --------------------------------------------------------- */
  function setUnread(count) {
    document.querySelectorAll("[data-unread-badge]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.hidden = count === 0;
    });
  }

  /* --- Toasts (a polite live region, created once) ------------------------- */
  var region = null;
  function toastRegion() {
    if (!region) {
      region = document.createElement("div");
      region.className = "toasts";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    return region;
  }

  function toast(text, href) {
    var item = document.createElement("div");
    item.className = "toast";
    var content = document.createElement(href ? "a" : "span");
    content.textContent = text;
    if (href) content.href = href;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss notification");
    close.textContent = "\u00d7";
    close.addEventListener("click", function () { item.remove(); });
    item.appendChild(content);
    item.appendChild(close);
    toastRegion().appendChild(item);
    setTimeout(function () { item.remove(); }, TOAST_MS);
  }

  function preview(text) {
    text = String(text || "").replace(/\s+/g, " ").trim();
    return text.length > 80 ? text.slice(0, 79) + "\u2026" : text;
  }

  var handlers = {
    unread: function (event) { setUnread(event.count); },
    "message.created": function (event) {
      var message = event.message;
      toast("New message from " + message.sender + ": " + preview(message.body), "/messages/" + message.id + "/");
    },
    "analysis.finished": function (event) {
      var analysis = event.analysis;
      var outcome = analysis.status === "succeeded" ? "finished" : analysis.status;
      toast("Analysis #" + analysis.id + " " + outcome + ".", "/analyses/" + analysis.id + "/");
    },
    "dataset.shared": function (event) {
      var dataset = event.dataset;
      toast(
        "Dataset \u201c" + dataset.name + "\u201d shared with you (" + (event.permissions || []).join(", ") + ").",
        "/datasets/" + dataset.id + "/"
      );
    }
  };

  /* --- The socket, reconnecting with exponential backoff and jitter ---------- */
  var delay = MIN_DELAY;
  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + window.location.host + socketPath);
    socket.addEventListener("open", function () { delay = MIN_DELAY; });
    socket.addEventListener("message", function (frame) {
      var event;
      try { event = JSON.parse(frame.data); } catch (error) { return; }
      var handler = handlers[event.type];
      if (handler) handler(event);
      // Pages that follow live state (an analysis' status, the dashboard's panels) listen for these.
      document.dispatchEvent(new CustomEvent("biostat:" + event.type, { detail: event }));
    });
    socket.addEventListener("close", function () {
      var wait = delay / 2 + Math.random() * delay / 2;
      delay = Math.min(delay * 2, MAX_DELAY);
      setTimeout(connect, wait);
    });
  }

  /* --- Recipient autocomplete for the compose form -------------------------- */
  function autocomplete(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list || !list.dataset.source) return;
    var pending = null;
    var last = "";
    input.addEventListener("input", function () {
      var prefix = input.value.trim();
      if (prefix === last) return;
      last = prefix;
      clearTimeout(pending);
      pending = setTimeout(function () {
        if (!prefix) { list.replaceChildren(); return; }
        fetch(list.dataset.source + "?q=" + encodeURIComponent(prefix), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (prefix !== last) return;
            list.replaceChildren.apply(list, data.results.map(function (username) {
              var option = document.createElement("option");
              option.value = username;
              return option;
            }));
          })
          .catch(function () { /* no suggestions; the field still takes any username */ });
      }, 150);
    });
  }

  document.querySelectorAll("[data-recipient-autocomplete]").forEach(autocomplete);
  if ("WebSocket" in window) connect();
})();
