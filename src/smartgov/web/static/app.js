/* smartgov pages: what every page does. No inline handlers: the Content-Security-Policy
   (smartgov.web.headers) runs no inline code without the page's nonce. */
document.addEventListener("htmx:configRequest", function (e) {
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) { e.detail.headers["X-CSRF-Token"] = meta.content; }
});

// <form data-confirm="确定…？">: ask before submitting (instead of an onsubmit attribute)
document.addEventListener("submit", function (e) {
  var message = e.target.getAttribute && e.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) { e.preventDefault(); }
});

document.addEventListener("click", function (e) {
  if (!e.target.closest) { return; }
  // <a data-back>: back to the previous page (instead of a javascript: link)
  var back = e.target.closest("a[data-back]");
  if (back && window.history.length > 1) { e.preventDefault(); window.history.back(); }
  // <button data-print>: print this page (instead of an onclick attribute)
  if (e.target.closest("[data-print]")) { e.preventDefault(); window.print(); }
});

function smartgovMatches(text, query) {
  return !query || (text || "").toLowerCase().indexOf(query) >= 0;
}

document.addEventListener("input", function (e) {
  var input = e.target;
  if (!input.matches) { return; }
  var query = (input.value || "").trim().toLowerCase();
  // searchable multi-select: <div data-multi><input data-multi-filter> … <label class="option">
  if (input.matches("[data-multi-filter]")) {
    var box = input.closest("[data-multi]");
    if (!box) { return; }
    box.querySelectorAll("label.option").forEach(function (label) {
      label.hidden = !smartgovMatches(label.textContent, query);
    });
  }
  // table filter: <input data-filter-target="#id"> over [data-filter-row data-filter-text] rows,
  // grouped in [data-filter-group] blocks that hide when nothing in them matches
  var target = input.getAttribute("data-filter-target");
  if (target) {
    var scope = document.querySelector(target) || document;
    scope.querySelectorAll("[data-filter-row]").forEach(function (row) {
      row.hidden = !smartgovMatches(row.getAttribute("data-filter-text"), query);
    });
    scope.querySelectorAll("[data-filter-group]").forEach(function (group) {
      var shown = group.querySelector("[data-filter-row]:not([hidden])");
      group.hidden = !shown;
      if (query && shown) { group.open = true; }
    });
  }
});
