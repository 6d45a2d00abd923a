// Upload forms (form[data-upload]) with a progress bar. Without this script the same forms post
// normally; with it they post through XMLHttpRequest, show the upload's progress, and show the
// server's errors in place. The server answers such requests with JSON: {redirect} or {errors}.
(function () {
  "use strict";

  function setErrors(form, errors) {
    form.querySelectorAll("[data-errors-for]").forEach(function (list) {
      list.replaceChildren();
      (errors[list.dataset.errorsFor] || []).forEach(function (message) {
        var item = document.createElement("li");
        item.textContent = message;
        list.appendChild(item);
      });
    });
  }

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1) + " MB";
  }

  function enhance(form) {
    var panel = form.querySelector("[data-upload-progress]");
    var bar = panel.querySelector("progress");
    var status = panel.querySelector("[data-upload-status]");
    var button = form.querySelector("button[type=submit]");
    var fileInput = form.querySelector("input[type=file]");
    var maxBytes = Number(form.dataset.maxBytes || 0);

    function finish(errors) {
      setErrors(form, errors);
      panel.hidden = true;
      button.disabled = false;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var file = fileInput && fileInput.files[0];
      if (file && maxBytes && file.size > maxBytes) {
        finish({ file: ["The file is " + megabytes(file.size) + "; the limit is " + megabytes(maxBytes) + "."] });
        return;
      }
      setErrors(form, {});
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (progress) {
        if (progress.lengthComputable) {
          bar.value = Math.round((progress.loaded / progress.total) * 100);
          status.textContent = "Uploaded " + megabytes(progress.loaded) + " of " + megabytes(progress.total) + ".";
        }
      });
      request.upload.addEventListener("load", function () {
        bar.removeAttribute("value"); // indeterminate while the server imports and encrypts
        status.textContent = "Upload complete; reading, checking and encrypting the data…";
      });
      request.addEventListener("load", function () {
        var body;
        try {
          body = JSON.parse(request.responseText);
        } catch (error) {
          body = { errors: { __all__: ["The server answered " + request.status + " " + request.statusText + "."] } };
        }
        if (request.status < 300 && body.redirect) {
          window.location.assign(body.redirect);
          return;
        }
        finish(body.errors || { __all__: [body.detail || "The upload failed."] });
      });
      request.addEventListener("error", function () {
        finish({ __all__: ["The upload did not reach the server; check the connection and try again."] });
      });
      panel.hidden = false;
      bar.value = 0;
      status.textContent = "Starting the upload…";
      button.disabled = true;
      request.send(new FormData(form));
    });
  }

  document.querySelectorAll("form[data-upload]").forEach(enhance);
})();
