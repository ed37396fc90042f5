// Static pages follow the theme chosen in the console (or the system's), before the first paint.
(() => {
  const chosen = localStorage.getItem("portal.theme");
  const theme = chosen === "dark" || chosen === "light" ? chosen
    : window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  document.documentElement.setAttribute("data-bs-theme", theme);
})();
