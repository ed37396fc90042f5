// The console's few browser-side needs: the remembered theme, copying to the clipboard, and Blazor's
// reconnect UI (the markup is in ConsoleLayout.razor, the looks in console.css).
window.portalConsole = {
  /** "dark" or "light": as chosen last on this browser (static pages read the same key), else as the system prefers. */
  theme() {
    const chosen = localStorage.getItem("portal.theme");
    if (chosen === "dark" || chosen === "light") return chosen;
    return window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  },
  remember(theme) {
    localStorage.setItem("portal.theme", theme);
  },
  async copy(text) {
    await navigator.clipboard.writeText(text);
  },
};

(() => {
  const modal = document.getElementById("components-reconnect-modal");
  if (!modal) return;

  async function retry() {
    try {
      // A circuit the server has forgotten (a restart) cannot come back: load the page afresh from the database.
      if (!(await Blazor.reconnect())) location.reload();
    } catch {
      document.addEventListener("visibilitychange", retryWhenVisible, { once: true });
    }
  }

  function retryWhenVisible() {
    if (document.visibilityState === "visible") retry();
  }

  modal.addEventListener("components-reconnect-state-changed", (event) => {
    if (event.detail.state === "rejected") location.reload();
    else if (event.detail.state === "failed") document.addEventListener("visibilitychange", retryWhenVisible, { once: true });
  });
  document.getElementById("components-reconnect-button")?.addEventListener("click", retry);
})();
