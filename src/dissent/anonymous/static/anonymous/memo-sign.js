// Signing a memo anonymously from its page (templates/memos/memo_detail.html, the section
// #anonymous-signing). When the page opens, whatever the reader means to do and whatever this
// browser holds, it fetches the memo's ring and has a Web Worker check its members; on "Sign
// anonymously" it signs in this browser with the key kept here, waits a random while, then
// sends the signature on a request without the session cookie. The server stores no address
// or user agent with it (docs/anonymous-signatures.md).

import { checkRingInWorker, sign, tagOf } from "./ring.js";
import {
  forgetSigned,
  fromBase64,
  fromHex,
  loadSecret,
  markSigned,
  postAnonymously,
  randomDelay,
  receiptKey,
  sha256Hex,
  signedState,
  texts,
  toBase64,
  toHex,
} from "./keystore.js";

const say = texts();
const section = document.getElementById("anonymous-signing");
// The reader's keys: this browser's records of memos signed with another member's key
// (a shared browser) do not refuse them the named form.
const myKeys = section ? new Set(section.dataset.myKeys.split(" ").filter(Boolean)) : null;
const namedForm = document.getElementById("named-signing");

class Refused extends Error {} // a message for the reader, already in their language

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

async function send(data, event, signature, receiptKeyHash) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", event));
  return postAnonymously("/api/v1/anonymous/signatures", {
    memo: Number(data.memo),
    group: data.group,
    log_size: Number(data.logSize),
    event_sha256: toHex(digest), // shows the server this sender was shown the memo
    signature: toBase64(signature),
    receipt_key_sha256: receiptKeyHash, // its preimage fetches the filing receipt later
  });
}

function hideNamedForm(hidden) {
  if (namedForm && section.dataset.countBothWays !== "true") namedForm.hidden = hidden;
}

function refuseNamedSigning() {
  hideNamedForm(true);
  const notice = document.getElementById("signed-anonymously-here");
  notice.textContent = say("signed_here");
  notice.hidden = false;
}

async function signAnonymously(status, prepared) {
  const data = section.dataset;
  const secret = await loadSecret(data.publicKey);
  if (!secret) throw new Refused(say("not_held"));
  status.textContent = say("fetching");
  const { ring, keys } = await prepared;
  if (ring.length < Number(data.minRing)) throw new Refused(say("small_ring", { size: ring.length, min: data.minRing }));
  const index = ring.indexOf(data.publicKey);
  if (index < 0) throw new Refused(say("not_in_ring"));
  status.textContent = say("signing");
  hideNamedForm(true); // from here on, one way of signing only
  await new Promise((painted) => setTimeout(painted, 50));
  const event = fromBase64(data.event);
  const signature = sign(event, fromBase64(data.message), keys, index, secret, {
    ringChecked: true, // by checkRingInWorker, in preparedRing
  });
  const seconds = randomDelay(Number(data.delayMin), Number(data.delayMax));
  status.textContent = say("waiting", { seconds });
  await new Promise((waited) => setTimeout(waited, seconds * 1000));
  const memo = Number(data.memo);
  // Marked before sending: if no answer comes, the signature may have been stored, and the
  // named form stays refused (sending again is safe: the same tag is "already signed").
  const kept = { publicKey: data.publicKey, title: data.title };
  await markSigned(memo, toHex(tagOf(signature)), "sending", kept);
  const receiptKeyHash = await sha256Hex(await receiptKey(memo, secret));
  const response = await send(data, event, signature, receiptKeyHash);
  const problem = response.status === 201 ? {} : await response.json().catch(() => ({}));
  if (response.status === 201 || problem.reason === "already_signed") {
    await markSigned(memo, toHex(tagOf(signature)), "sent", kept);
    return say(response.status === 201 ? "sent" : "already");
  }
  await forgetSigned(memo); // refused: nothing was stored
  hideNamedForm(false);
  if (problem.reason === "ring_changed") throw new Refused(say("ring_changed"));
  throw new Refused(say("failed", { reason: problem.detail || response.statusText }));
}

async function start() {
  const data = section.dataset;
  let prepared = preparedRing(data); // on every page that offers it: the fetch says nothing
  prepared.catch(() => {}); // reported on the click, which tries again
  const button = section.querySelector("button");
  const status = section.querySelector("[role=status]");
  const state = await signedState(Number(data.memo), myKeys);
  if (state === "sent") {
    refuseNamedSigning();
    return;
  }
  section.hidden = false;
  if (state === "sending") {
    hideNamedForm(true);
    status.textContent = say("unconfirmed");
  }
  if (!(await loadSecret(data.publicKey))) {
    status.textContent = say("not_held");
    button.disabled = true;
    return;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      status.textContent = await signAnonymously(status, prepared);
      button.hidden = true;
      if (section.dataset.countBothWays !== "true") refuseNamedSigning();
    } catch (error) {
      if (error instanceof Refused) {
        status.textContent = error.message;
      } else if ((await signedState(Number(data.memo), myKeys)) === "sending") {
        status.textContent = say("unconfirmed"); // sent, no answer: it may be stored
      } else {
        status.textContent = say("failed", { reason: error.message || error });
        hideNamedForm(false);
      }
      prepared = preparedRing(data);
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
