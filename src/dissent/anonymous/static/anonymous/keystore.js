// Where the browser keeps a member's secret key for anonymous signing (IndexedDB, never
// sent anywhere), the passphrase-locked backup file of it, and which memos this browser has
// signed anonymously (so that the memo page can refuse a named signature that would count
// the member twice). docs/anonymous-signatures.md, "In the browser", describes the file.

import { publicKey } from "./ring.js";

const DATABASE = "dissent-anonymous";
const KEYS = "keys"; // { publicKey: hex, secret: Uint8Array(32), savedAt }
const SIGNED = "signed"; // { memo: id, tag: hex, state: "sending" | "sent", at, publicKey?, title? }
export const BACKUP_FORMAT = "dissent-anonymous-key-backup";
// PBKDF2-HMAC-SHA-256 at OWASP's 2023 figure for it: about a second on a slow laptop.
const ITERATIONS = 600_000;

export class KeyStoreError extends Error {
  constructor(code) {
    super(code);
    this.code = code; // a key of the page's texts
  }
}

export function toHex(data) {
  return Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new KeyStoreError("not_a_backup");
  return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
}

export function toBase64(data) {
  // In slices: spreading a whole 640 kB signature into one call overflows the stack.
  let text = "";
  for (let at = 0; at < data.length; at += 8192) text += String.fromCharCode(...data.subarray(at, at + 8192));
  return btoa(text);
}

export function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function request(operation) {
  return new Promise((resolve, reject) => {
    operation.onsuccess = () => resolve(operation.result);
    operation.onerror = () => reject(operation.error);
  });
}

let opened = null;

function database() {
  if (!opened) {
    if (!("indexedDB" in self)) return Promise.reject(new KeyStoreError("no_storage"));
    const opening = indexedDB.open(DATABASE, 1);
    opening.onupgradeneeded = () => {
      opening.result.createObjectStore(KEYS, { keyPath: "publicKey" });
      opening.result.createObjectStore(SIGNED, { keyPath: "memo" });
    };
    opened = request(opening).catch(() => {
      opened = null;
      throw new KeyStoreError("no_storage");
    });
  }
  return opened;
}

async function store(name, mode, action) {
  const db = await database();
  const transaction = db.transaction(name, mode);
  const result = await request(action(transaction.objectStore(name)));
  await new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
  return result;
}

/** The secret for `publicKeyHex` kept in this browser, or null. */
export async function loadSecret(publicKeyHex) {
  const found = await store(KEYS, "readonly", (keys) => keys.get(publicKeyHex));
  return found ? found.secret : null;
}

export async function saveSecret(secret) {
  const record = { publicKey: toHex(publicKey(secret)), secret, savedAt: new Date().toISOString() };
  await store(KEYS, "readwrite", (keys) => keys.put(record));
  return record.publicKey;
}

/** Records that this browser signed `memo` anonymously: "sending" before the request goes
 * out (if no answer comes, the signature may be stored: the page keeps refusing the named
 * form, and sending again is safe), "sent" once the server has it. The key that signed and
 * the memo's title stay with it, in this browser only, for the receipts on the key page. */
export async function markSigned(memo, tagHex, state, { publicKey: signedWith, title } = {}) {
  const record = { memo, tag: tagHex, state, at: new Date().toISOString(), publicKey: signedWith, title };
  await store(SIGNED, "readwrite", (signed) => signed.put(record));
}

export async function forgetSigned(memo) {
  await store(SIGNED, "readwrite", (signed) => signed.delete(memo));
}

/** "sending", "sent", or null when this browser has not signed `memo` anonymously. With
 * `keys` (a Set of hex public keys), a record made with another key is not counted: a
 * browser two members share keeps both members' records. Records from before the key was
 * kept with them count whoever reads them. */
export async function signedState(memo, keys = null) {
  const found = await store(SIGNED, "readonly", (signed) => signed.get(memo));
  if (!found || (keys && found.publicKey && !keys.has(found.publicKey))) return null;
  return found.state || "sent";
}

/** Every memo this browser signed anonymously, as markSigned recorded it, oldest first. */
export async function signedMemos() {
  const found = await store(SIGNED, "readonly", (signed) => signed.getAll());
  return found.sort((a, b) => (a.at < b.at ? -1 : 1));
}

/** A whole number of seconds between the two bounds, drawn from the browser's CSPRNG: how
 * long a request that must not be tied to its sender's session waits after the page loaded. */
export function randomDelay(low, high) {
  const span = Math.max(0, high - low);
  return low + (crypto.getRandomValues(new Uint32Array(1))[0] % (span + 1));
}

/** POSTs `body` as JSON to `path` the way a request that must name nobody goes out: no
 * cookie, no referrer, nothing cached. */
export function postAnonymously(path, body) {
  return fetch(path, {
    method: "POST",
    credentials: "omit",
    referrerPolicy: "no-referrer",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

// --- The filing receipt of an anonymous signature -------------------------------------------

/** The receipt key of `memo` for `secret` (hex): SHA-256 of a fixed label, the memo's id and
 * the secret, so the same key signs it again and no one without the secret can compute it.
 * The signature carries only its SHA-256; showing the key later fetches the filing receipt
 * (docs/anonymous-signatures.md). */
export async function receiptKey(memo, secret) {
  const label = new TextEncoder().encode(`dissent-anonymous-receipt-v1:${memo}:`);
  const input = new Uint8Array(label.length + secret.length);
  input.set(label);
  input.set(secret, label.length);
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", input)));
}

export async function sha256Hex(hex) {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", fromHex(hex))));
}

// --- The backup file --------------------------------------------------------------------------

async function lockFor(passphrase, salt, iterations) {
  // NFC: the same passphrase typed on another system or keyboard gives the same bytes.
  const bytes = new TextEncoder().encode(passphrase.normalize("NFC"));
  const material = await crypto.subtle.importKey("raw", bytes, "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt, iterations },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

// The public key is the AES-GCM associated data: a file whose public key was changed does
// not open.
function associated(publicKeyHex) {
  return new TextEncoder().encode(`${BACKUP_FORMAT}:1:${publicKeyHex}`);
}

/** The backup file's text: the secret encrypted with AES-256-GCM under a key derived from
 * the passphrase by PBKDF2-HMAC-SHA-256. */
export async function makeBackup(secret, passphrase) {
  const publicKeyHex = toHex(publicKey(secret));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const lock = await lockFor(passphrase, salt, ITERATIONS);
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: associated(publicKeyHex) }, lock, secret);
  const backup = {
    format: BACKUP_FORMAT,
    version: 1,
    public_key: publicKeyHex,
    kdf: { name: "PBKDF2", hash: "SHA-256", iterations: ITERATIONS, salt: toBase64(salt) },
    cipher: { name: "AES-GCM", iv: toBase64(iv) },
    secret: toBase64(new Uint8Array(sealed)),
  };
  return JSON.stringify(backup, null, 2) + "\n";
}

/** The secret a backup file holds; KeyStoreError "not_a_backup" or "wrong_passphrase". */
export async function openBackup(text, passphrase) {
  let backup;
  try {
    backup = JSON.parse(text);
  } catch {
    throw new KeyStoreError("not_a_backup");
  }
  const kdf = backup && backup.kdf;
  const wellFormed =
    backup &&
    backup.format === BACKUP_FORMAT &&
    backup.version === 1 &&
    typeof backup.public_key === "string" &&
    kdf &&
    kdf.name === "PBKDF2" &&
    kdf.hash === "SHA-256" &&
    Number.isInteger(kdf.iterations) &&
    kdf.iterations >= 100_000 &&
    kdf.iterations <= 10_000_000 &&
    backup.cipher &&
    backup.cipher.name === "AES-GCM";
  if (!wellFormed) throw new KeyStoreError("not_a_backup");
  let salt, iv, sealed;
  try {
    [salt, iv, sealed] = [fromBase64(kdf.salt), fromBase64(backup.cipher.iv), fromBase64(backup.secret)];
  } catch {
    throw new KeyStoreError("not_a_backup");
  }
  const lock = await lockFor(passphrase, salt, kdf.iterations);
  let secret;
  try {
    secret = new Uint8Array(
      await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: associated(backup.public_key) }, lock, sealed),
    );
  } catch {
    throw new KeyStoreError("wrong_passphrase");
  }
  if (toHex(publicKey(secret)) !== backup.public_key) throw new KeyStoreError("not_a_backup");
  return secret;
}

// --- The page's words -------------------------------------------------------------------------

/** The page's texts (a JSON element the server renders in the reader's language), with
 * Python-style %(name)s placeholders filled in. */
export function texts() {
  const element = document.getElementById("anonymous-texts");
  const table = element ? JSON.parse(element.textContent) : {};
  return (code, values = {}) =>
    (table[code] || code).replace(/%\((\w+)\)s/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function download(name, text) {
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([text], { type: "application/json" }));
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
}

export function backupName(publicKeyHex) {
  return `dissent-anonymous-key-${publicKeyHex.slice(0, 12)}.json`;
}
