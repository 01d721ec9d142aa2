"""Proof chains: which proofs a proof builds on, and the order to verify a document's proofs in.

Data Integrity 1.0 §2.1.2: a proof whose ``previousProof`` names the ``id`` of other proofs on
the same document is made over the document *with those proofs* in ``proof`` (Add Proof
Set/Chain, §4.3), so removing or changing one of them breaks it; and it counts as verified only
when the proofs it names verify too (Verify Proof Sets and Chains, §4.5). Proofs without
``previousProof`` form a plain proof set: each is over the document without any proof.

Only the proofs a proof names directly are attached when it is made or checked, not theirs in
turn (the W3C vectors' ``proofChainTempDoc2.json`` shows this). Pure functions over the list of
proofs; :mod:`.proof` signs and checks, :mod:`.verify` reports.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass

from .errors import CredentialError


def previous_proof_ids(proof: dict, error: type[CredentialError]) -> list[str]:
    """The ids ``proof``'s previousProof names: none, one string, or a list of strings (§2.1)."""
    value = proof.get("previousProof")
    if value is None:
        return []
    if isinstance(value, str) and value:
        return [value]
    if isinstance(value, list) and value and all(isinstance(item, str) and item for item in value):
        return list(dict.fromkeys(value))
    raise error("previousProof must be a proof id or a non-empty list of proof ids, not "
                + json.dumps(value)[:80])


def previous_proofs(proofs: list, proof: dict, error: type[CredentialError]) -> list[dict]:
    """The proofs among ``proofs`` that ``proof`` builds on (§4.3 step 4, §4.5 step 3.1).

    Each named id must be the id of exactly one proof: a dangling or an ambiguous previousProof
    raises ``error`` (PROOF_GENERATION_ERROR when signing, PROOF_VERIFICATION_ERROR when checking).
    """
    return [proofs[i] for i in _named_positions(proof, _ids_of(proofs), error)]


def _ids_of(proofs: list) -> dict[str, list[int]]:
    """Proof id → the positions of the proofs that carry it."""
    positions: dict[str, list[int]] = {}
    for position, item in enumerate(proofs):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            positions.setdefault(item["id"], []).append(position)
    return positions


def _named_positions(proof: dict, ids: dict[str, list[int]],
                     error: type[CredentialError]) -> tuple[int, ...]:
    """Positions of the proofs ``proof``'s previousProof names, in document order."""
    found = set()
    for wanted in previous_proof_ids(proof, error):
        matches = ids.get(wanted, [])
        if not matches:
            raise error(f"previousProof names {wanted[:100]!r}, but no proof on the document has "
                        "that id")
        if len(matches) > 1:
            raise error(f"previousProof names {wanted[:100]!r}, and {len(matches)} proofs have "
                        "that id")
        found.add(matches[0])
    return tuple(sorted(found))


@dataclass(frozen=True)
class ChainStep:
    """One proof of a document, with the positions of the proofs it builds on."""

    position: int
    proof: object
    previous: tuple[int, ...]
    problem: str | None = None  # why it can never verify, known before any signature check


def chain_order(proofs: list) -> list[ChainStep]:
    """Every proof once, each after the proofs it names (§4.5: they "MUST verify before the
    current proof is processed"); proofs that name none keep their order, first.

    A malformed, dangling or ambiguous previousProof, or one that leads into a loop (a proof
    naming itself, a → b → a), is the step's problem: that proof never verifies.
    """
    if not any(isinstance(item, dict) and "previousProof" in item for item in proofs):
        return [ChainStep(position, item, ()) for position, item in enumerate(proofs)]  # a set
    ids, links, problems = _ids_of(proofs), {}, {}
    for position, item in enumerate(proofs):
        try:
            links[position] = (_named_positions(item, ids, CredentialError)
                               if isinstance(item, dict) else ())
        except CredentialError as error:
            links[position], problems[position] = (), str(error)
    waiting = {position: set(previous) for position, previous in links.items()}
    dependents: dict[int, list[int]] = {}
    for position, previous in links.items():
        for named in previous:
            dependents.setdefault(named, []).append(position)
    ready = deque(position for position in links if not waiting[position])
    order = []
    while ready:  # Kahn's topological sort: a proof is ready once every proof it names is placed
        position = ready.popleft()
        order.append(ChainStep(position, proofs[position], links[position], problems.get(position)))
        for dependent in dependents.get(position, ()):
            waiting[dependent].discard(position)
            if not waiting[dependent]:
                ready.append(dependent)
    placed = {step.position for step in order}
    # each proof left leads into a loop; follow, from each, its first link to another one left
    onward = {p: next(n for n in links[p] if n not in placed) for p in links if p not in placed}
    problems = _loop_problems(proofs, onward)
    order += [ChainStep(p, proofs[p], links[p], problems[p]) for p in onward]
    return order


def _loop_problems(proofs: list, onward: dict[int, int]) -> dict[int, str]:
    """For each proof in ``onward``, name the loop its previousProof leads into (linear time)."""
    found: dict[int, str] = {}
    for start in onward:
        path, seen, position = [], {}, start
        while position not in found and position not in seen:
            seen[position] = len(path)
            path.append(position)
            position = onward[position]
        if position in found:
            message = found[position]
        else:
            loop = [_label(proofs, p) for p in path[seen[position]:]]
            shown = loop if len(loop) <= 4 else [*loop[:3], f"… {len(loop) - 3} more"]
            message = ("previousProof leads into a loop of proofs "
                       f"({' → '.join([*shown, loop[0]])}), so it can never be verified")
        found.update(dict.fromkeys(path, message))
    return found


def describe_previous(proof: dict) -> str:
    """The ids ``proof`` names, for a message: at most three, each at most 100 characters."""
    named = previous_proof_ids(proof, CredentialError)
    more = f" and {len(named) - 3} more" if len(named) > 3 else ""
    return ", ".join(name[:100] for name in named[:3]) + more


def _label(proofs: list, position: int) -> str:
    proof_id = proofs[position].get("id") if isinstance(proofs[position], dict) else None
    return proof_id[:100] if isinstance(proof_id, str) else f"proof {position + 1}"
