/* An import's page follows it: the progress bar moves as the worker writes, and the page
   reloads into the report when the import is done (or failed). Loaded by the import's page
   (templates/mangaki/import_detail.html); without script it shows the state it was served in. */

function followImport(run) {
  var bar = document.getElementById("import-progress");
  var state = document.getElementById("import-state");
  var count = document.getElementById("import-count");
  var delay = 500;
  function poll() {
    fetch(run.dataset.importUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("status " + response.status);
        return response.json();
      })
      .then(function (data) {
        if (data.status === "done" || data.status === "failed") { window.location.reload(); return; }
        var progress = data.progress;
        if (data.status === "running") {
          if (state) state.textContent = "Writing your list…";
          if (bar) { bar.max = Math.max(progress.total, 1); bar.value = progress.written; }
        }
        if (count) {
          count.textContent = progress.written + " of " + progress.total +
            (progress.total === 1 ? " entry" : " entries") + " written · " +
            data.entries + (data.entries === 1 ? " entry" : " entries") + " in the file";
        }
        window.setTimeout(poll, delay);
      })
      // A busy database (503 while the worker adds the list's works) passes in moments: ask again
      // soon, or the bar would jump from nothing to the report.
      .catch(function () { window.setTimeout(poll, delay * 2); });
  }
  poll();
}

var run = document.querySelector("[data-import-url]");
if (run && window.fetch && (run.dataset.status === "queued" || run.dataset.status === "running")) {
  followImport(run);
}
