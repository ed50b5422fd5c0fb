// The key page (templates/anonymous/key.html): make a key and enrol its public half, keep
// the secret in this browser, download or restore the passphrase-locked backup.

import { generateSecret, publicKey } from "./ring.js";
import {
  KeyStoreError,
  backupName,
  download,
  loadSecret,
  makeBackup,
  openBackup,
  saveSecret,
  texts,
  toHex,
} from "./keystore.js";

const say = texts();

function reason(error) {
  return error instanceof KeyStoreError ? say(error.code) : say("failed", { reason: error.message || error });
}

function passphrase(form, first, second) {
  const one = form.querySelector(first).value;
  if (one.length < 12) throw new KeyStoreError("passphrase_short");
  if (one !== form.querySelector(second).value) throw new KeyStoreError("passphrase_differs");
  return one;
}

// Runs `action` on submit, with the button held down and its outcome in the form's status.
function handle(form, action) {
  if (!form) return;
  form.addEventListener("submit", async (submitted) => {
    submitted.preventDefault();
    const button = form.querySelector("button");
    const status = form.querySelector(".form-status");
    button.disabled = true;
    try {
      status.textContent = (await action(form, status)) || "";
    } catch (error) {
      status.textContent = reason(error);
    } finally {
      button.disabled = false;
    }
  });
}

async function enrol(publicKeyHex, csrfToken) {
  const response = await fetch("/api/v1/anonymous/keys", {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken },
    body: JSON.stringify({ public_key: publicKeyHex }),
  });
  if (response.status !== 201) {
    const problem = await response.json().catch(() => ({}));
    throw new Error(problem.detail || response.statusText);
  }
}

handle(document.getElementById("make-key"), async (form, status) => {
  const chosen = passphrase(form, "#make-passphrase", "#make-passphrase-again");
  status.textContent = say("making");
  await loadSecret(""); // opens this browser's key store: no key is enrolled where none can be kept
  const secret = generateSecret();
  const publicKeyHex = toHex(publicKey(secret));
  const backup = await makeBackup(secret, chosen); // before enrolling: no key without its backup
  await enrol(publicKeyHex, form.querySelector("[name=csrfmiddlewaretoken]").value);
  download(backupName(publicKeyHex), backup); // the copy that must not be lost, first
  await saveSecret(secret);
  form.querySelector("button").hidden = true;
  return say("made");
});

const enrolled = document.getElementById("anonymous-key");

async function showWhetherHeld() {
  const held = document.getElementById("key-held");
  try {
    held.textContent = say((await loadSecret(enrolled.dataset.publicKey)) ? "held" : "not_held");
  } catch (error) {
    held.textContent = reason(error);
  }
}

if (enrolled) {
  showWhetherHeld();
  handle(document.getElementById("restore-key"), async (form) => {
    const file = form.querySelector("#backup-file").files[0];
    const secret = await openBackup(await file.text(), form.querySelector("#restore-passphrase").value);
    if (toHex(publicKey(secret)) !== enrolled.dataset.publicKey) throw new KeyStoreError("wrong_backup");
    await saveSecret(secret);
    await showWhetherHeld();
    return say("restored");
  });
  handle(document.getElementById("backup-key"), async (form) => {
    const chosen = passphrase(form, "#backup-passphrase", "#backup-passphrase-again");
    const secret = await loadSecret(enrolled.dataset.publicKey);
    if (!secret) throw new KeyStoreError("not_held");
    download(backupName(enrolled.dataset.publicKey), await makeBackup(secret, chosen));
    return say("backup_ready");
  });
}

for (const section of document.querySelectorAll("[data-needs-script]")) section.hidden = false;
