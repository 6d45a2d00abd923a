// The cohort builder's live count ([data-cohort-builder], around the form: a form's own
// `dataset` property would be its field named "dataset"). Without this script the builder is a
// plain form whose "Count" button re-renders the page with the count, the attrition table and any
// criteria error. With it they follow the criteria as they are typed (debounced) through
// POST /api/cohorts/preview/, and the list of columns follows the chosen dataset.
(function () {
  "use strict";

  var DELAY_MS = 350;
  var EXCERPT_REACH = 40; // characters shown either side of an error, as the server's page does
  var LEVELS_SHOWN = 12;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // Line, column and a caret under the spot, as cohorts/views.py's criteria_problem computes them.
  function located(text, position) {
    var lineStart = position > 0 ? text.lastIndexOf("\n", position - 1) + 1 : 0;
    var lineEnd = text.indexOf("\n", position);
    if (lineEnd < 0) lineEnd = text.length;
    var start = Math.max(lineStart, position - EXCERPT_REACH);
    return {
      line: text.slice(0, position).split("\n").length,
      column: position - lineStart + 1,
      excerpt: text.slice(start, Math.min(lineEnd, position + EXCERPT_REACH)).replace(/\t/g, " "),
      caret: " ".repeat(position - start) + "^",
    };
  }

  function enhance(root) {
    var settings = root.dataset;
    var form = root.querySelector("form");
    var textarea = form.querySelector("textarea[name=criteria]");
    var select = form.querySelector("select[name=dataset]");
    var problem = root.querySelector("[data-criteria-problem]");
    var size = root.querySelector("[data-size]");
    var notes = root.querySelector("[data-notes]");
    var attritionArea = root.querySelector("[data-attrition-area]");
    var attritionRows = attritionArea.querySelector("tbody");
    var columnsBody = root.querySelector("[data-columns-body]");
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    var minCellCount = Number(settings.minCellCount);
    var timer = null;
    var pending = null;

    function datasetId() {
      return select ? select.value : settings.dataset;
    }

    function shown(count) {
      return count === null ? "<" + minCellCount : String(count);
    }

    function showProblem(message, position) {
      problem.replaceChildren();
      if (message === null) {
        problem.hidden = true;
        textarea.removeAttribute("aria-invalid");
        return;
      }
      if (position === undefined || position === null) {
        problem.appendChild(element("p", message));
      } else {
        var spot = located(textarea.value, position);
        problem.appendChild(element("p", "Line " + spot.line + ", column " + spot.column + ": " + message));
        problem.appendChild(element("pre", spot.excerpt + "\n" + spot.caret));
      }
      problem.hidden = false;
      textarea.setAttribute("aria-invalid", "true");
    }

    function showCounts(body) {
      size.textContent = shown(body.size) + " rows of version " + body.dataset_version;
      notes.replaceChildren();
      body.notes.forEach(function (note) {
        notes.appendChild(element("li", note));
      });
      attritionRows.replaceChildren();
      body.attrition.forEach(function (step, index) {
        var row = document.createElement("tr");
        row.appendChild(element("td", String(index + 1), "num"));
        var clause = element("td");
        clause.appendChild(element("code", step.clause));
        row.appendChild(clause);
        row.appendChild(element("td", shown(step.remaining), "num"));
        attritionRows.appendChild(row);
      });
      if (!body.attrition.length) {
        var empty = element("td", "No criteria: every row is selected.");
        empty.colSpan = 3;
        attritionRows.appendChild(document.createElement("tr")).appendChild(empty);
      }
      attritionArea.hidden = false;
    }

    function clearCounts(message) {
      size.textContent = message;
      notes.replaceChildren();
      attritionArea.hidden = true;
    }

    function messageOf(body, response) {
      if (body && body.errors && body.errors.criteria) return body.errors.criteria[0].replace(/^position \d+: /, "");
      return (body && body.detail) || "The count failed (" + response.status + " " + response.statusText + ").";
    }

    function preview() {
      if (pending) pending.abort();
      if (!datasetId()) {
        showProblem(null);
        clearCounts("Choose a dataset to count its rows.");
        return;
      }
      pending = new AbortController();
      var request = { dataset: Number(datasetId()), criteria: textarea.value };
      if (settings.version) request.version = Number(settings.version);
      size.classList.add("pending");
      fetch(settings.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify(request),
        signal: pending.signal,
      })
        .then(function (response) {
          return response.json().then(
            function (body) {
              return { response: response, body: body };
            },
            function () {
              return { response: response, body: null };
            }
          );
        })
        .then(function (answer) {
          size.classList.remove("pending");
          if (answer.response.ok) {
            showProblem(null);
            showCounts(answer.body);
          } else {
            showProblem(messageOf(answer.body, answer.response), answer.body && answer.body.position);
            clearCounts("No count until the criteria are fixed.");
          }
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          size.classList.remove("pending");
          clearCounts("The count did not reach the server; it will be tried again as you type.");
        });
    }

    function schedule() {
      window.clearTimeout(timer);
      timer = window.setTimeout(preview, DELAY_MS);
    }

    function showColumns(columns) {
      columnsBody.replaceChildren();
      var table = document.createElement("table");
      var head = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
      ["Name", "Type", "Levels"].forEach(function (title) {
        var cell = head.appendChild(element("th", title));
        cell.scope = "col";
      });
      var rows = table.appendChild(document.createElement("tbody"));
      columns.forEach(function (column) {
        var row = rows.appendChild(document.createElement("tr"));
        row.appendChild(document.createElement("td")).appendChild(element("code", column.name));
        row.appendChild(element("td", column.type));
        var levels = column.levels || [];
        var more = levels.length > LEVELS_SHOWN ? " and " + (levels.length - LEVELS_SHOWN) + " more" : "";
        row.appendChild(element("td", levels.slice(0, LEVELS_SHOWN).join(", ") + more));
      });
      columnsBody.appendChild(table);
    }

    function loadColumns() {
      if (!datasetId()) {
        columnsBody.replaceChildren(element("p", "Choose a dataset to see its columns.", "helptext"));
        return;
      }
      var url = settings.datasetUrl.replace(/\/0\/$/, "/" + encodeURIComponent(datasetId()) + "/");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (dataset) {
          if (dataset) showColumns(dataset.columns);
        })
        .catch(function () {
          // The columns stay as they were; the count still reports any unknown column.
        });
    }

    textarea.addEventListener("input", schedule);
    if (select) {
      select.addEventListener("change", function () {
        loadColumns();
        preview();
      });
    }
    if (datasetId()) preview();
  }

  document.querySelectorAll("[data-cohort-builder]").forEach(enhance);
})();
