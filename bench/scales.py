"""Named dataset sizes. S is M divided by ten (M's figures are the issue's)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

PARAMS = ("people", "posts", "likes", "follows", "mentorships", "groups", "conversations",
          "messages")

M = {
    "people": 50_000, "posts": 500_000, "likes": 2_500_000, "follows": 250_000,
    "mentorships": 25_000, "groups": 300,
    # Each person in about 2.4 DIRECT conversations of 10 messages on average (long-tailed).
    "conversations": 60_000, "messages": 600_000,
}
S = {key: value // 10 for key, value in M.items()}
# The side-by-side comparison of issue 14 (another GraphQL server on a relational database):
# 10,000 people, 50 groups, 100,000 posts, 500,000 likes, 100,000 follows. Its 300
# interests are the vocabulary's here (136 research interests, fixed).
C = {**S, "people": 10_000, "posts": 100_000, "likes": 500_000, "follows": 100_000, "groups": 50}
SCALES: dict[str, dict[str, int]] = {"S": S, "M": M, "C": C}


@dataclass(frozen=True)
class Scale:
    name: str
    params: Mapping[str, int]
    seed: int = 7
    # Parameters no registered generator step produces yet (their domain has not landed).
    missing: tuple[str, ...] = field(default=())

    def cache_key(self, fingerprint: str) -> str:
        """Stable for the same built parameters, seed and generator code."""
        built = {k: v for k, v in sorted(self.params.items()) if k not in self.missing}
        blob = json.dumps({"params": built, "seed": self.seed, "code": fingerprint}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:12]


def parse_scale(name: str, overrides: Iterable[str] = (), seed: int = 7) -> Scale:
    """`S`, `M`, `C`, or any name with `--set key=value` overrides (a custom scale starts from S)."""
    base = SCALES.get(name.upper())
    params = dict(base if base is not None else S)
    changed = False
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or key not in PARAMS:
            raise ValueError(f"--set takes key=value with key one of {', '.join(PARAMS)}: {item!r}")
        try:
            value = int(raw.replace("_", ""))
        except ValueError:
            raise ValueError(f"--set {key} needs a whole number, not {raw!r}") from None
        if value < 0:
            raise ValueError(f"--set {key} must not be negative")
        if params[key] != value:
            params[key], changed = value, True
    label = name.upper() if base is not None and not changed else (
        name if base is None else f"{name.upper()}-custom"
    )
    return Scale(label, params, seed)


def with_missing(scale: Scale, produced: Iterable[str]) -> Scale:
    have = set(produced)
    return replace(scale, missing=tuple(p for p in PARAMS if p not in have and scale.params.get(p)))
