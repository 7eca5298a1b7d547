"""A playbook's steps as a program: nodes by id, each knowing where the journey goes next.

Steps nest (a choice's `then`, an `if`'s `then` and `else`); the program flattens them into nodes
linked by id. A journey stores the id of its node, not a position, so an edited playbook either
still has the step (the journey goes on there) or plainly does not (the journey is closed with a
note instead of jumping into the wrong step).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from bot.config.yamlsrc import PathKey
from bot.playbooks.schema import (
    AskStep,
    AskTextStep,
    ChecklistStep,
    IfStep,
    OnboardingPlaybook,
    PickInterestsStep,
    Step,
)

ANSWERING = (AskStep, AskTextStep, PickInterestsStep, ChecklistStep)
"""Steps whose answer is recorded under their id (`answers.<id>`)."""


@dataclass(frozen=True)
class Node:
    id: str
    step: Step
    path: PathKey
    """Where the step is in the playbook file (for errors and reports)."""
    next: str | None
    """The node after this step and its branches; None ends the journey."""
    branches: dict[str, str | None] = field(default_factory=dict)
    """`ask`: choice id -> first node of its `then`; `if`: `then` / `else` -> first node."""


@dataclass(frozen=True)
class Program:
    nodes: dict[str, Node]
    first: str | None

    def node(self, node_id: str) -> Node | None:
        return self.nodes.get(node_id)

    def answering(self) -> dict[str, Node]:
        """The nodes that record an answer, by their id."""
        return {n.id: n for n in self.nodes.values() if isinstance(n.step, ANSWERING)}

    def has(self, kind: type) -> bool:
        return any(isinstance(n.step, kind) for n in self.nodes.values())


def walk(steps: Sequence[Step], path: PathKey = ("steps",)) -> Iterator[tuple[PathKey, Step]]:
    """Every step with its path in the file, nested ones included, in reading order."""
    for index, step in enumerate(steps):
        here = (*path, index)
        yield here, step
        if isinstance(step, AskStep):
            for c, choice in enumerate(step.choices):
                yield from walk(choice.then, (*here, "choices", c, "then"))
        elif isinstance(step, IfStep):
            yield from walk(step.then, (*here, "then"))
            yield from walk(step.else_, (*here, "else"))


def node_id(step: Step, path: PathKey) -> str:
    """The step's own id, else one made of its kind and place (`wait-6`, `message-2/then/0`)."""
    if step.id:
        return step.id
    place = "/".join(str(p) for p in path[1:] if p not in ("choices",))
    return f"{step.do}-{place}"


def compile_program(playbook: OnboardingPlaybook) -> Program:
    nodes: dict[str, Node] = {}
    first = _block(playbook.steps, ("steps",), None, nodes)
    return Program(nodes=nodes, first=first)


def _block(
    steps: Sequence[Step], path: PathKey, after: str | None, nodes: dict[str, Node]
) -> str | None:
    ids = [node_id(step, (*path, i)) for i, step in enumerate(steps)]
    for i, step in enumerate(steps):
        here = (*path, i)
        following = ids[i + 1] if i + 1 < len(ids) else after
        branches: dict[str, str | None] = {}
        if isinstance(step, AskStep):
            for c, choice in enumerate(step.choices):
                branches[choice.id] = _block(
                    choice.then, (*here, "choices", c, "then"), following, nodes
                )
        elif isinstance(step, IfStep):
            branches["then"] = _block(step.then, (*here, "then"), following, nodes)
            branches["else"] = _block(step.else_, (*here, "else"), following, nodes)
        nodes.setdefault(ids[i], Node(ids[i], step, here, following, branches))
    return ids[0] if ids else after
