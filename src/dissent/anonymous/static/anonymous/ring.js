// The linkable ring signature for anonymous co-signing, in the browser: LSAG (Liu, Wei and
// Wong) with the linking tag scoped to an event (Tsang and Wei), over the prime-order
// subgroup of edwards25519. docs/anonymous-signatures.md, "The construction, byte for byte
// (version 1)", fixes every byte; src/dissent/anonymous/ring.py implements the same text, and
// tests/anonymous/test_ring_browser.py checks each against the other in Chromium.
//
// Every byte argument and result is a Uint8Array. A malformed ring (empty, a member that is
// not a valid point, a member twice) or secret key throws, as ring.py raises RingError;
// verify() answers false for any signature that is malformed or does not verify.
//
// Side channels: the secret key x and the nonce a are multiplied with noble's constant-time
// multiply() only. The scalars c_i and s_i are published in the signature, so the variable-
// time multiplyUnsafe() is used for them. The one secret-dependent scalar operation,
// s_k = a - c_k*x mod l, is BigInt arithmetic, which JavaScript cannot promise to run in
// constant time (noble's own Ed25519 signing has the same limitation).

import { ed25519, ed25519_hasher, normalizeZ, sha512 } from "./vendor/noble.js";

const Point = ed25519.Point;
const G = Point.BASE;
const Fn = Point.Fn; // integers mod l, little-endian 32-byte encoding
const L = Fn.ORDER;
const SIZE = 32;

const ascii = (text) => new TextEncoder().encode(text);
const DST = ascii("DISSENT-V01-CS01-with-edwards25519_XMD:SHA-512_ELL2_RO_");
const CONTEXT_DOMAIN = ascii("DISSENT-V01-LSAG-CONTEXT");
const CHALLENGE_DOMAIN = ascii("DISSENT-V01-LSAG-CHALLENGE");

// --- Bytes, scalars and points --------------------------------------------------------------

function bytes(value, what) {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  return value;
}

function le(data) {
  let hex = "";
  for (let i = data.length - 1; i >= 0; i--) hex += data[i].toString(16).padStart(2, "0");
  return hex ? BigInt("0x" + hex) : 0n;
}

function be64(length) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(length), false);
  return out;
}

function concat(parts) {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function hex(data) {
  return Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// A scalar: 32 bytes, little-endian, below l and not zero; null otherwise.
function scalarOrNull(data) {
  if (data.length !== SIZE) return null;
  const value = le(data);
  return value > 0n && value < L ? value : null;
}

function scalar(data, what) {
  const value = scalarOrNull(bytes(data, what));
  if (value === null) throw new RangeError(`the ${what} is not a canonical non-zero scalar`);
  return value;
}

// 64 random bytes reduced mod l (the bias is about 2^-258); zero is drawn again.
function randomScalar() {
  for (;;) {
    const value = le(crypto.getRandomValues(new Uint8Array(64))) % L;
    if (value !== 0n) return value;
  }
}

// A point: the canonical encoding (fromBytes refuses y >= p and x = 0 with the sign bit set)
// of a point in the prime-order subgroup (isTorsionFree: l*P is the identity) that is not the
// identity (isSmallOrder: 8*P is the identity). A mixed-order point would let one key sign an
// event twice with two tags, or a ring member's key carry a component only its owner's
// signature would reveal. Returns null for anything else.
// With `subgroup` false only the encoding is checked: for sign() with a ring already checked.
function pointOrNull(data, subgroup = true) {
  if (data.length !== SIZE) return null;
  let point;
  try {
    point = Point.fromBytes(data);
  } catch {
    return null;
  }
  return !subgroup || (point.isTorsionFree() && !point.isSmallOrder()) ? point : null;
}

// The ring's points, each checked once (the check costs about as much as one scalar
// multiplication, so it is not repeated per use), and no member twice.
function ringPoints(ring, subgroup = true) {
  if (!Array.isArray(ring) || ring.length === 0) throw new RangeError("the ring is empty");
  const seen = new Set();
  return ring.map((member, index) => {
    const point = pointOrNull(bytes(member, `ring member ${index}`), subgroup);
    if (point === null) throw new RangeError(`ring member ${index} is not a valid public key`);
    const key = hex(member);
    if (seen.has(key)) throw new RangeError("a public key appears twice in the ring");
    seen.add(key);
    return point;
  });
}

// Fixed-base tables for H and I, which every link multiplies. noble's table for window W
// holds (ceil(253/W) + 1) * 2^(W-1) points and turns a multiplication into ceil(253/W) + 1
// additions; without one, a multiplication costs about 253 doublings and 50 additions
// (about 210 additions' worth, measured). Choose the W that makes building the table plus `uses`
// multiplications cheapest: about 8 for a ring of 1,000, none for a ring of 2.
function windowFor(uses) {
  let best = 1;
  let bestCost = uses * 210;
  for (let w = 2; w <= 12; w++) {
    const additions = Math.ceil(253 / w) + 1;
    const cost = additions * (2 ** (w - 1) + uses);
    if (cost < bestCost) {
      best = w;
      bestCost = cost;
    }
  }
  return best;
}

// Both points' encodings, with one field inversion for the two (normalizeZ inverts all the
// Z coordinates at once); toBytes() alone would invert each Z.
function encode(left, right) {
  const [l, r] = normalizeZ(Point, [left, right]);
  return [l.toBytes(), r.toBytes()];
}

// G for `uses` multiplications: noble's own G (its table has a window of 6, built once per
// page) unless a wider window pays, in which case a private copy gets that table.
function fixedBase(uses) {
  const w = windowFor(uses);
  return w > 6 ? Point.fromBytes(G.toBytes()).precompute(w) : G;
}

// --- The construction -----------------------------------------------------------------------

function eventBase(event, dst = DST) {
  return ed25519_hasher.hashToCurve(event, { DST: dst });
}

// ctx = SHA-512(domain || be64(|event|) || event || be64(|message|) || message || be64(n) ||
// P_0 || ... || P_(n-1) || I)
function context(event, message, ring, tag) {
  const parts = [CONTEXT_DOMAIN, be64(event.length), event, be64(message.length), message];
  parts.push(be64(ring.length), ...ring, tag);
  return sha512(concat(parts));
}

// Hc(L, R) = SHA-512(domain || ctx || L || R) as a little-endian integer, mod l. The first
// two parts are the same for every link: they are laid out once and L and R copied in.
function challenger(ctx) {
  const buffer = concat([CHALLENGE_DOMAIN, ctx, new Uint8Array(2 * SIZE)]);
  const at = buffer.length - 2 * SIZE;
  return (left, right) => {
    buffer.set(left, at);
    buffer.set(right, at + SIZE);
    return le(sha512(buffer)) % L;
  };
}

/** A new secret key: a random non-zero scalar, 32 bytes little-endian. */
export function generateSecret() {
  return Fn.toBytes(randomScalar());
}

/** The public key x*G of a secret key x (not an Ed25519 key: no hashing, no clamping). */
export function publicKey(secret) {
  return G.multiply(scalar(secret, "secret key")).toBytes();
}

/** H = hash_to_curve(event), RFC 9380 suite edwards25519_XMD:SHA-512_ELL2_RO_, with the
 * project's domain tag; `dst` (bytes) replaces the tag, for the RFC's own test vectors. */
export function hashToPoint(event, dst = DST) {
  return eventBase(bytes(event, "event"), bytes(dst, "domain tag")).toBytes();
}

/** The linking tag I of a signature: one key gives one tag per event. */
export function tagOf(signature) {
  bytes(signature, "signature");
  if (signature.length < SIZE) throw new RangeError("the signature is too short");
  return signature.slice(0, SIZE);
}

/** Signs `message` for `event` as member `index` of `ring` (an array of 32-byte public
 * keys, in its published order) with `secret`, whose public key must be ring[index].
 * Returns I || c_0 || s_0 || ... || c_(n-1) || s_(n-1): 32 + 64n bytes. With
 * { ringChecked: true } the caller has run checkRing() or checkRingInWorker() on this ring. */
export function sign(event, message, ring, index, secret, { ringChecked = false } = {}) {
  return signWith(event, message, ring, index, secret, !ringChecked);
}

/** Throws as sign() does for a ring that is not well formed; returns nothing otherwise. */
export function checkRing(ring) {
  ringPoints(ring);
}

/** checkRing() in a module Web Worker (ring-worker.js), off the page's thread: resolves when
 * every member has passed, rejects with sign()'s RangeError otherwise. The memo page runs it
 * while the reader reads, then signs with { ringChecked: true }, which skips the members'
 * subgroup checks (about 40% of signing) but still decodes each and refuses duplicates. Where
 * no worker can run, it checks on this thread. */
export function checkRingInWorker(ring) {
  let worker;
  try {
    worker = new Worker(new URL("./ring-worker.js", import.meta.url), { type: "module" });
  } catch {
    return Promise.resolve().then(() => checkRing(ring));
  }
  return new Promise((resolve, reject) => {
    worker.onmessage = (answer) => {
      worker.terminate();
      if (answer.data.ok) resolve();
      else reject(new RangeError(answer.data.error));
    };
    const here = (event) => {
      // The worker did not run (or its answer did not arrive): check on this thread.
      if (event && event.preventDefault) event.preventDefault();
      worker.terminate();
      try {
        checkRing(ring);
        resolve();
      } catch (failure) {
        reject(failure);
      }
    };
    worker.onerror = here;
    worker.onmessageerror = here;
    worker.postMessage(ring);
  });
}

function signWith(event, message, ring, index, secret, subgroup) {
  bytes(event, "event");
  bytes(message, "message");
  const keys = ringPoints(ring, subgroup);
  const x = scalar(secret, "secret key");
  const n = keys.length;
  if (!Number.isInteger(index) || index < 0 || index >= n || hex(publicKey(secret)) !== hex(ring[index])) {
    throw new RangeError("the secret key is not the ring member at that index");
  }
  // Fixed-base tables, built once per signature (see windowFor): for H, multiplied n+1
  // times (x, a and the n-1 t_i below), and for a private copy of G, multiplied n times (a
  // and the n-1 s_i; see fixedBase). A table is built on the first multiply().
  const H = eventBase(event).precompute(windowFor(n + 1));
  const base = fixedBase(n);
  const I = H.multiply(x);
  const tag = I.toBytes();
  const challenge = challenger(context(event, message, ring, tag));

  for (;;) {
    const a = randomScalar();
    const c = new Array(n);
    const s = new Array(n);
    c[(index + 1) % n] = challenge(...encode(base.multiply(a), H.multiply(a)));
    for (let step = 1; step < n; step++) {
      const i = (index + step) % n;
      // L_i = s_i*G + c_i*P_i with public scalars: variable time. c_i*P_i is the one
      // multiplication without a table (each member's key is used once) and the bulk of the
      // cost. R_i = s_i*H + c_i*I is (s_i + c_i*x)*H, since I = x*H: one multiplication
      // instead of two, but with a scalar that depends on x, so the constant-time one.
      let t = 0n;
      while (t === 0n) {
        s[i] = randomScalar();
        t = Fn.add(s[i], Fn.mul(c[i], x)); // zero with probability 2^-252: draw s_i again
      }
      const left = base.multiplyUnsafe(s[i]).add(keys[i].multiplyUnsafe(c[i]));
      c[(i + 1) % n] = challenge(...encode(left, H.multiply(t)));
    }
    s[index] = Fn.sub(a, Fn.mul(c[index], x));
    // A zero c_i or s_i (probability about n in 2^252) is not a scalar: draw again.
    if (c.some((value) => value === 0n) || s.some((value) => value === 0n)) continue;
    const out = new Uint8Array(SIZE + 2 * SIZE * n);
    out.set(tag, 0);
    for (let i = 0; i < n; i++) {
      out.set(Fn.toBytes(c[i]), SIZE + 2 * SIZE * i);
      out.set(Fn.toBytes(s[i]), 2 * SIZE + 2 * SIZE * i);
    }
    return out;
  }
}

/** Whether `signature` is a valid signature on (event, message) by some member of `ring`.
 * A malformed ring throws (as in ring.py); anything wrong with the signature gives false. */
export function verify(event, message, ring, signature) {
  bytes(event, "event");
  bytes(message, "message");
  bytes(signature, "signature");
  const keys = ringPoints(ring);
  const n = keys.length;
  if (signature.length !== SIZE + 2 * SIZE * n) return false;
  const tag = signature.slice(0, SIZE);
  const I = pointOrNull(tag);
  if (I === null) return false;
  const c = new Array(n);
  const s = new Array(n);
  for (let i = 0; i < n; i++) {
    c[i] = scalarOrNull(signature.subarray(SIZE + 2 * SIZE * i, 2 * SIZE + 2 * SIZE * i));
    s[i] = scalarOrNull(signature.subarray(2 * SIZE + 2 * SIZE * i, 3 * SIZE + 2 * SIZE * i));
    if (c[i] === null || s[i] === null) return false;
  }
  const H = eventBase(event).precompute(windowFor(n));
  const base = fixedBase(n);
  I.precompute(windowFor(n));
  const challenge = challenger(context(event, message, ring, tag));
  // Every link is independent of the others (each c_i is in the signature): compute all the
  // L_i and R_i first, then bring them to affine coordinates with one field inversion for
  // all 2n points instead of one each, and only then hash.
  const points = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    points[2 * i] = base.multiplyUnsafe(s[i]).add(keys[i].multiplyUnsafe(c[i]));
    points[2 * i + 1] = H.multiplyUnsafe(s[i]).add(I.multiplyUnsafe(c[i]));
  }
  const affine = normalizeZ(Point, points);
  let valid = true;
  for (let i = 0; i < n; i++) {
    // Public data only: no need for a constant-time comparison, but every link is checked.
    if (challenge(affine[2 * i].toBytes(), affine[2 * i + 1].toBytes()) !== c[(i + 1) % n]) valid = false;
  }
  return valid;
}
