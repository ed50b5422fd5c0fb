// ring.js's checkRingInWorker: checks the ring's members (canonical, in the prime-order
// subgroup, none twice) off the page's thread.

import { checkRing } from "./ring.js";

self.onmessage = (message) => {
  try {
    checkRing(message.data);
    self.postMessage({ ok: true });
  } catch (error) {
    self.postMessage({ ok: false, error: error.message });
  }
};
