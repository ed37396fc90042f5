// Passkey ceremonies for server-rendered forms. A form marked data-passkey="create" or "sign-in" asks the
// portal for WebAuthn options, lets the browser create or use a passkey, puts the credential's JSON into the
// form's hidden "CredentialJson" field and submits it. The server verifies everything; this only carries data.
(() => {
  const token = (form) => form.querySelector('input[name="__RequestVerificationToken"]')?.value ?? "";

  async function options(form, path) {
    const response = await fetch(path, { method: "POST", headers: { RequestVerificationToken: token(form) }, credentials: "same-origin" });
    if (!response.ok) throw new Error("The portal refused to start the passkey ceremony (" + response.status + ").");
    return response.json();
  }

  async function run(form) {
    const mode = form.dataset.passkey;
    const status = form.querySelector("[data-passkey-status]");
    try {
      if (!window.PublicKeyCredential?.parseCreationOptionsFromJSON) throw new Error("This browser does not support passkeys.");
      let credential;
      if (mode === "create") {
        const json = await options(form, "/account/passkey/creation-options");
        credential = await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(json) });
      } else {
        const json = await options(form, "/account/passkey/request-options");
        credential = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(json) });
      }
      form.querySelector('input[name="CredentialJson"]').value = JSON.stringify(credential);
      form.submit();
    } catch (error) {
      if (status) status.textContent = error?.name === "NotAllowedError" ? "The passkey request was cancelled or timed out." : String(error?.message ?? error);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.passkey) return;
    if (form.querySelector('input[name="CredentialJson"]').value) return; // second pass: the real submit
    event.preventDefault();
    run(form);
  });
})();
