// The key page's receipts for anonymous signatures (templates/anonymous/key.html, the section
// #anonymous-receipts): a line for each memo this browser signed anonymously, and, once the
// memo is filed, its filing receipt. The receipt key is derived again from the secret that
// signed (keystore.receiptKey); the request carries no cookie, so it names nobody, and it
// goes out after a random wait, as a signature does, so that its moment does not point at
// this page's (signed-in) loading; the page checks that this browser's linking tag is among
// the signatures the filing counted.
// The key page, not the memo's, because a member invited to sign may not read the memo once
// it is filed. Only memos signed with one of the signed-in member's keys are listed: a browser
// shared by two members keeps both members' records.

import { download, loadSecret, postAnonymously, randomDelay, receiptKey, signedMemos, texts } from "./keystore.js";

const say = texts();
const section = document.getElementById("anonymous-receipts");

async function fetchReceipt(record, status) {
  const secret = await loadSecret(record.publicKey);
  if (!secret) return say("receipt_no_secret");
  const seconds = randomDelay(Number(section.dataset.delayMin), Number(section.dataset.delayMax));
  status.textContent = say("receipt_waiting", { seconds });
  await new Promise((waited) => setTimeout(waited, seconds * 1000));
  const response = await postAnonymously("/api/v1/anonymous/receipt", {
    memo: record.memo,
    receipt_key: await receiptKey(record.memo, secret),
  });
  if (response.status === 404) return say("receipt_none");
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    return say("failed", { reason: problem.detail || response.statusText });
  }
  const receipt = await response.json();
  download(`receipt-memo-${record.memo}.json`, JSON.stringify(receipt, null, 2));
  const counted = JSON.parse(receipt.event.record).payload.anonymous_signatures || [];
  return counted.includes(record.tag)
    ? say("receipt_counted", { count: receipt.signature_count })
    : say("receipt_not_counted");
}

function line(record) {
  const item = document.createElement("li");
  const name = document.createElement("span");
  name.id = `signed-memo-${record.memo}`;
  name.textContent = record.title
    ? say("receipt_memo_titled", { id: record.memo, title: record.title })
    : say("receipt_memo", { id: record.memo });
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = say("receipt_button");
  button.setAttribute("aria-describedby", name.id);
  const status = document.createElement("p");
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      status.textContent = await fetchReceipt(record, status);
    } catch (error) {
      status.textContent = say("failed", { reason: error.message || error });
    } finally {
      button.disabled = false;
    }
  });
  item.append(name, " ", button, status);
  return item;
}

async function start() {
  const mine = new Set(section.dataset.myKeys.split(" ").filter(Boolean));
  const records = (await signedMemos()).filter((record) => mine.has(record.publicKey));
  section.dataset.listed = String(records.length); // done: how many it lists
  if (!records.length) return;
  section.querySelector("ul").append(...records.map(line));
  section.hidden = false;
}

if (section) start().catch(() => {}); // no key store here: nothing to list
