// Uploads a snapshot file straight to the blob store in parts, four at a time, with a progress bar. The
// portal hands out one URL per part (presigned S3 URLs, or its own signed part links for the local store).
// The upload is remembered in localStorage: after a reload, choosing the same file resumes it, skipping the
// parts the store already holds. The snapshots page (a console page) attaches it to its form and is told when
// a snapshot was declared and when its upload completed, so its list follows verification without a reload.
export function attach(form, page) {
  if (!form || form.dataset.attached) return;
  form.dataset.attached = "1";
  const incidentId = form.dataset.incidentId;
  const status = form.querySelector("#upload-status");
  const bar = form.querySelector("#upload-progress");
  const memoryKey = `portal.snapshot-upload.${incidentId}`;
  const PARALLEL = 4;

  const say = (text) => { status.textContent = text; };
  const tell = (method) => page?.invokeMethodAsync(method).catch(() => {});
  const remembered = () => { try { return JSON.parse(localStorage.getItem(memoryKey)); } catch { return null; } };
  const remember = (value) => value ? localStorage.setItem(memoryKey, JSON.stringify(value)) : localStorage.removeItem(memoryKey);

  const pending = remembered();
  if (pending) say(`An upload of ${pending.name} (${pending.size.toLocaleString()} bytes) was interrupted: choose the same file and press Upload to resume.`);

  async function call(method, path, body) {
    // Read at each call: the token input is rendered by the page and may be replaced by a re-render.
    const token = form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? "";
    const response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", RequestVerificationToken: token },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new Error(data?.detail ?? data?.title ?? `The portal answered ${response.status}.`);
    return data;
  }

  function putPart(url, blob, onProgress) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(new Error(`A part upload failed (${xhr.status}).`)));
      xhr.onerror = () => reject(new Error("The connection dropped during a part upload."));
      xhr.send(blob);
    });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const file = form.file.files[0];
    if (!file) return;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    bar.hidden = false;
    try {
      const sha256 = form.sha256.value.trim().toLowerCase();
      let memory = remembered();
      let plan = null;
      // Resume only the same file declared with the same digest, and only while that upload is still open
      // (not completed in another tab, revoked, or finished when its answer was lost).
      if (memory && memory.name === file.name && memory.size === file.size && memory.sha256 === sha256) {
        plan = await call("GET", `/snapshots/browser/${memory.id}/upload`).catch(() => null);
        if (!plan?.open) plan = null;
      }

      if (!plan) {
        const created = await call("POST", `/snapshots/browser/incidents/${incidentId}`, {
          height: Number(form.height.value), blockHash: form.blockHash.value, sha256,
          sizeBytes: file.size, fileName: file.name, notes: form.notes.value || null,
        });
        memory = { id: created.id, name: file.name, size: file.size, sha256 };
        remember(memory);
        tell("SnapshotsChanged");
        plan = await call("GET", `/snapshots/browser/${memory.id}/upload`);
      }

      const done = new Set(plan.uploadedParts);
      const todo = [];
      for (let n = 1; n <= plan.partCount; n++) if (!done.has(n)) todo.push(n);
      const sent = new Map();
      const already = [...done].reduce((sum, n) => sum + Math.min(plan.partSize, file.size - (n - 1) * plan.partSize), 0);
      const update = () => {
        const total = already + [...sent.values()].reduce((a, b) => a + b, 0);
        bar.value = Math.floor((total / file.size) * 1000);
        say(`Uploaded ${total.toLocaleString()} of ${file.size.toLocaleString()} bytes (${(total * 100 / file.size).toFixed(1)}%).`);
      };
      update();

      async function worker() {
        while (todo.length) {
          const batch = todo.splice(0, 1);
          const [target] = await call("POST", `/snapshots/browser/${memory.id}/upload/parts`, { parts: batch });
          await putPart(target.url, file.slice(target.offset, target.offset + target.size), (loaded) => { sent.set(target.number, loaded); update(); });
          sent.set(target.number, target.size);
          update();
        }
      }
      await Promise.all(Array.from({ length: Math.min(PARALLEL, todo.length) }, worker));

      await call("POST", `/snapshots/browser/${memory.id}/upload/complete`);
      remember(null);
      say("Uploaded. The portal is hashing the stored bytes; the list above shows its progress.");
      tell("SnapshotsChanged");
    } catch (error) {
      say(`${error.message} Press Upload again to resume; finished parts are kept.`);
    } finally {
      button.disabled = false;
    }
  });
}
