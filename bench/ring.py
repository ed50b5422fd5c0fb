"""Anonymous co-signing: sign and verify times of the ring signature (dissent/anonymous/ring.py)
for rings of 10 to 10,000 members, the signature's size, and, measured in the same run, the raw
cost of the scalar multiplications a verification must do (per member: one multiplication of
the generator and three of other points, libsodium's `crypto_scalarmult_ed25519_base_noclamp`
and `_noclamp`), so that the verifier's overhead shows as a ratio.

Goal (issue 10): verifying a 1,000-member ring under 250 ms on the 2-core machine, within 1.5x
of the raw cost of its scalar multiplications. Reported, not enforced.

Run:  .venv/bin/python bench/ring.py [--sizes 10,100,1000,10000] [--repeat 5] [--threads 2] [--json]
Signing in the browser is measured by bench/ring_browser.py.
"""

import argparse
import json
import os
import platform
import statistics
import time

from nacl.bindings import crypto_scalarmult_ed25519_base_noclamp, crypto_scalarmult_ed25519_noclamp

from dissent.anonymous import ring

GOAL_MS = 250.0
GOAL_RATIO = 1.5


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def median_ms(action, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def raw_multiplications_ms(n: int, repeat: int) -> float:
    """n x (one generator multiplication + three variable-base ones), on random scalars and
    points of the group: what a verification cannot avoid."""
    scalars = [ring.random_scalar() for _ in range(n)]
    point = ring.public_key(ring.random_scalar())

    def run() -> None:
        for scalar in scalars:
            crypto_scalarmult_ed25519_base_noclamp(scalar)
            crypto_scalarmult_ed25519_noclamp(scalar, point)
            crypto_scalarmult_ed25519_noclamp(scalar, point)
            crypto_scalarmult_ed25519_noclamp(scalar, point)

    return median_ms(run, repeat)


def measure(n: int, repeat: int, threads: int) -> dict[str, float]:
    secrets = [ring.generate_secret() for _ in range(n)]
    members = [ring.public_key(secret) for secret in secrets]
    event, message, signer = b"dissent-memo:bench:1", b"co-sign", n // 2
    signature = ring.sign(event, message, members, signer, secrets[signer])
    assert ring.verify(event, message, members, signature)
    result = {
        "members": n,
        "signature_bytes": len(signature),
        "sign_ms": median_ms(lambda: ring.sign(event, message, members, signer, secrets[signer]), repeat),
        "verify_ms": median_ms(lambda: ring.verify(event, message, members, signature), repeat),
        "verify_roster_checked_ms": median_ms(
            lambda: ring.verify(event, message, members, signature, ring_checked=True), repeat
        ),
        "verify_parallel_ms": median_ms(
            lambda: ring.verify(event, message, members, signature, ring_checked=True, threads=threads),
            repeat,
        ),
        "raw_multiplications_ms": raw_multiplications_ms(n, repeat),
    }
    result["ratio"] = result["verify_roster_checked_ms"] / result["raw_multiplications_ms"]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10,100,1000,10000")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (1 for 10,000)")
    parser.add_argument("--threads", type=int, default=2, help="threads for the parallel verification")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    pairs = [(ring.random_scalar(), ring.public_key(ring.random_scalar())) for _ in range(200)]
    one_point = median_ms(lambda: [crypto_scalarmult_ed25519_noclamp(s, p) for s, p in pairs], 5) / 200
    one_base = median_ms(lambda: [crypto_scalarmult_ed25519_base_noclamp(s) for s, __ in pairs], 5) / 200
    print(
        f"== ring signatures ({os.cpu_count()} CPUs, {cpu_model()}; Python {platform.python_version()}) ==\n"
        f"one scalar multiplication: {one_point * 1000:.1f} us (a point),"
        f" {one_base * 1000:.1f} us (the generator)"
    )
    results = []
    for n in (int(size) for size in args.sizes.split(",")):
        result = measure(n, 1 if n >= 10_000 else args.repeat, args.threads)
        results.append(result)
        print(
            f"{n:>6} members: signature {result['signature_bytes']:,} B; sign {result['sign_ms']:.1f} ms;"
            f" verify {result['verify_ms']:.1f} ms"
            f" (roster pre-checked {result['verify_roster_checked_ms']:.1f} ms,"
            f" {args.threads} threads {result['verify_parallel_ms']:.1f} ms);"
            f" raw multiplications {result['raw_multiplications_ms']:.1f} ms; ratio {result['ratio']:.2f}"
        )
    thousand = next((r for r in results if r["members"] == 1000), None)
    if thousand:
        best = min(thousand["verify_roster_checked_ms"], thousand["verify_parallel_ms"])
        met = best < GOAL_MS and thousand["ratio"] <= GOAL_RATIO
        print(
            f"goal: 1,000 members verified under {GOAL_MS:g} ms within {GOAL_RATIO}x of the raw"
            f" multiplications: best {best:.1f} ms, ratio {thousand['ratio']:.2f}:"
            f" {'MET' if met else 'NOT MET'}"
        )
    if args.json:
        print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
