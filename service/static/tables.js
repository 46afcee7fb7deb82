// Phones first: every table with a header row gets the "stacked" class and, on each body
// cell, the text of its column header as data-label; app.css shows such tables as stacked
// rows ("label: value") on narrow screens. Pages need do nothing to get it.
(function () {
  function stack(table) {
    var head = table.tHead && table.tHead.rows[0];
    if (!head) return;
    var labels = Array.prototype.map.call(head.cells, function (cell) {
      return (cell.textContent || "").trim();
    });
    table.classList.add("stacked");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        var column = 0;
        Array.prototype.forEach.call(row.cells, function (cell) {
          if (!cell.hasAttribute("data-label") && labels[column]) {
            cell.setAttribute("data-label", labels[column]);
          }
          column += cell.colSpan || 1;
        });
      });
    });
  }
  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("main table"), stack);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
  document.addEventListener("htmx:afterSwap", all);
})();
