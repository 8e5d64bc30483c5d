// Small conveniences only; every page works without this file.
document.addEventListener("click", function (ev) {
  var t = ev.target.closest("[data-print]");
  if (t) { ev.preventDefault(); window.print(); }
});
