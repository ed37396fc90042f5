// Live incident page. The page is complete without this script; with it, the page joins the incident's
// SignalR group and morphs in the HTML fragments the server renders from the same components after every
// change. After a network drop or a server restart it reconnects with jittered back-off, subscribes again,
// and, if the quorum revision moved on meanwhile, re-reads the page and morphs every live region.
(() => {
  const root = document.querySelector("[data-incident-id]");
  if (!root || !window.signalR || !window.Idiomorph) return;

  const incidentId = root.dataset.incidentId;
  const indicator = document.getElementById("live-status");
  let revision = Number(root.dataset.revision);
  let catchingUp = null;

  const setState = (state, text) => {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = text;
  };

  // 0.5 s, 1 s, 2 s … capped at 30 s, each scaled by a random factor so thousands of watchers do not
  // reconnect in the same instant after a restart.
  const backoff = (attempt) => Math.min(30000, 500 * 2 ** attempt) * (0.5 + Math.random());

  const morph = (target, html) => {
    const element = document.getElementById(target);
    if (element) Idiomorph.morph(element, html, { morphStyle: "outerHTML" });
  };

  const setRevision = (value) => {
    revision = Math.max(revision, value);
    root.dataset.revision = String(revision);
  };

  async function catchUp() {
    if (catchingUp) return catchingUp;
    catchingUp = (async () => {
      try {
        const response = await fetch(location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" });
        if (!response.ok) return;
        const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
        const freshRoot = fresh.querySelector("[data-incident-id]");
        if (!freshRoot) return;
        for (const region of freshRoot.querySelectorAll("[data-live][id]")) morph(region.id, region.outerHTML);
        setRevision(Number(freshRoot.dataset.revision));
      } finally {
        catchingUp = null;
      }
    })();
    return catchingUp;
  }

  const connection = new signalR.HubConnectionBuilder()
    .withUrl("/hubs/incidents")
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (context) => backoff(context.previousRetryCount) })
    .build();

  connection.on("fragment", (fragment) => {
    if (fragment.revision < revision) return; // an older picture than the one shown
    morph(fragment.target, fragment.html);
    setRevision(fragment.revision);
  });

  connection.on("quorum", (quorum) => {
    if (quorum.revision > revision) catchUp(); // we missed changes while away
  });

  async function subscribe() {
    await connection.invoke("Subscribe", incidentId);
    setState("live", "Live");
  }

  connection.onreconnecting(() => setState("reconnecting", "Reconnecting…"));
  connection.onreconnected(() => subscribe().catch(() => setState("reconnecting", "Reconnecting…")));
  connection.onclose(() => start(0));

  async function start(attempt) {
    setState(attempt === 0 ? "connecting" : "reconnecting", attempt === 0 ? "Connecting…" : "Reconnecting…");
    try {
      await connection.start();
      await subscribe();
    } catch {
      setTimeout(() => start(attempt + 1), backoff(attempt));
    }
  }

  // Exposed for tests and for the curious: the revision shown and the connection's state.
  window.portalLive = { get revision() { return revision; }, connection };
  start(0);
})();
