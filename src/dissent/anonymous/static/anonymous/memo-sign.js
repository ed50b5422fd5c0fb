// Signing a memo anonymously from its page (templates/memos/memo_detail.html, the section
// #anonymous-signing). When the page opens, and whether or not the reader means to sign, it
// fetches the memo's ring and has a Web Worker check its members; on "Sign anonymously" it
// signs in this browser with the key kept here, waits a random while, then sends the
// signature on a request without the session cookie. The server stores no address or user
// agent with it (docs/anonymous-signatures.md).

import { checkRingInWorker, sign, tagOf } from "./ring.js";
import { fromBase64, fromHex, hasSigned, loadSecret, markSigned, toBase64, toHex, texts } from "./keystore.js";

const say = texts();
const section = document.getElementById("anonymous-signing");
const namedForm = document.getElementById("named-signing");

function refuseNamedSigning() {
  if (namedForm) namedForm.hidden = true;
  const notice = document.getElementById("signed-anonymously-here");
  notice.textContent = say("signed_here");
  notice.hidden = false;
}

// A whole number of seconds between the two bounds, drawn from the browser's CSPRNG.
function randomDelay(low, high) {
  const span = Math.max(0, high - low);
  return low + (crypto.getRandomValues(new Uint32Array(1))[0] % (span + 1));
}

// The ring (hex keys) and its members as bytes, checked. The roster at a stated log size
// never changes, so the browser keeps it (the server says so) and most pages fetch nothing.
async function preparedRing(data) {
  const query = new URLSearchParams({ group: data.group, log_size: data.logSize });
  const response = await fetch(`/api/v1/anonymous/roster?${query}`, { credentials: "same-origin" });
  if (!response.ok) throw new Error(response.statusText);
  const ring = (await response.json()).keys;
  const keys = ring.map(fromHex);
  await checkRingInWorker(keys);
  return { ring, keys };
}

async function send(data, signature) {
  return fetch("/api/v1/anonymous/signatures", {
    method: "POST",
    credentials: "omit", // no session cookie: the request names nobody
    referrerPolicy: "no-referrer",
    cache: "no-store",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({
      memo: Number(data.memo),
      group: data.group,
      log_size: Number(data.logSize),
      signature: toBase64(signature),
    }),
  });
}

async function signAnonymously(button, status, prepared) {
  const data = section.dataset;
  const secret = await loadSecret(data.publicKey);
  if (!secret) return say("not_held");
  status.textContent = say("fetching");
  const { ring, keys } = await prepared;
  if (ring.length < Number(data.minRing)) return say("small_ring", { size: ring.length, min: data.minRing });
  const index = ring.indexOf(data.publicKey);
  if (index < 0) return say("not_in_ring");
  status.textContent = say("signing");
  const bothWays = data.countBothWays === "true";
  if (namedForm && !bothWays) namedForm.hidden = true; // from here on, one way of signing only
  await new Promise((painted) => setTimeout(painted, 50));
  const signature = sign(fromBase64(data.event), fromBase64(data.message), keys, index, secret, {
    ringChecked: true, // by checkRingInWorker, in preparedRing
  });
  const seconds = randomDelay(Number(data.delayMin), Number(data.delayMax));
  status.textContent = say("waiting", { seconds });
  await new Promise((waited) => setTimeout(waited, seconds * 1000));
  const response = await send(data, signature);
  if (response.status === 201 || response.status === 409) {
    await markSigned(Number(data.memo), toHex(tagOf(signature)));
    button.hidden = true;
    return say(response.status === 201 ? "sent" : "already");
  }
  if (namedForm) namedForm.hidden = false;
  const problem = await response.json().catch(() => ({}));
  return say("failed", { reason: problem.detail || response.statusText });
}

async function start() {
  const bothWays = section.dataset.countBothWays === "true"; // the drafters allowed both
  if (await hasSigned(Number(section.dataset.memo))) {
    if (!bothWays) refuseNamedSigning();
    return;
  }
  const button = section.querySelector("button");
  const status = section.querySelector("[role=status]");
  section.hidden = false;
  if (!(await loadSecret(section.dataset.publicKey))) {
    status.textContent = say("not_held");
    button.disabled = true;
    return;
  }
  let prepared = preparedRing(section.dataset);
  prepared.catch(() => {}); // reported on the click, which tries again
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      status.textContent = await signAnonymously(button, status, prepared);
    } catch (error) {
      status.textContent = say("failed", { reason: error.message || error });
      if (namedForm) namedForm.hidden = false;
      prepared = preparedRing(section.dataset);
      prepared.catch(() => {});
    } finally {
      button.disabled = false;
    }
  });
}

if (section) {
  start().catch((error) => {
    section.hidden = false;
    section.querySelector("[role=status]").textContent = say("failed", { reason: error.message || error });
  });
}
