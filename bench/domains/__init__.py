"""Every domain's data steps and operations, in dependency order (people first).

A domain adds itself by creating `bench/domains/<domain>.py` with `STEPS` and
`OPERATIONS` and listing the module here; see bench/README.md.
"""

from __future__ import annotations

from bench.domains import groups, mentorship, messages, people, social
from bench.registry import Operation, Step

# Reads first within a domain; social's writes (likePost, createPost) come last but one.
MODULES = (people, groups, social, mentorship, messages)

STEPS: tuple[Step, ...] = tuple(step for module in MODULES for step in module.STEPS)
OPERATIONS: tuple[Operation, ...] = tuple(op for module in MODULES for op in module.OPERATIONS)

# The canonical operations and the domain each waits for. An entry whose name is
# not in OPERATIONS is reported as "not yet measured" in every run.
CANONICAL: tuple[tuple[str, str], ...] = (
    ("profile_page", "people + social (posts, likes)"),
    ("search_people", "people"),
    ("home_feed", "social"),
    ("group_page", "groups"),
    ("mentor_recommendations", "mentorship"),
    ("like_post", "social"),
    ("create_post", "social"),
    ("conversations_page", "messages"),
    ("send_message", "messages"),
)


def operation(name: str) -> Operation:
    for op in OPERATIONS:
        if op.name == name:
            return op
    known = ", ".join(op.name for op in OPERATIONS)
    raise KeyError(f"no bench operation {name!r}; known: {known}")
