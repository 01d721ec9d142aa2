"""Open Badges 3.0 data-model rules beyond the core ones in ``checks``: results and their
rubric levels, related achievements, identifier entries and the subject's source.

Each validator yields "property.path: problem" (DESIGN §4.10); ``checks`` runs ``rules`` for
every OpenBadgeCredential.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .paths import at, entries
from .vocab import type_list

Problems = Iterator[str]

RESULT_STATUSES = frozenset(
    "Completed Enrolled Failed InProgress OnHold Provisional Withdrew".split())


def _objects(value: Any, path: str) -> Iterator[tuple[dict, str]]:
    """The object entries of a 0..* property (others are reported by ``_not_objects``)."""
    if value is None:
        return
    for item, item_path in entries(value, path):
        if isinstance(item, dict):
            yield item, item_path


def _not_objects(value: Any, path: str, what: str) -> Problems:
    if value is None:
        return
    for item, item_path in entries(value, path):
        if not isinstance(item, dict):
            yield f"{item_path}: must be {what} object"


def _needs(node: dict, path: str, *keys: str) -> Problems:
    for key in keys:
        if node.get(key) in (None, "", [], {}):
            yield f"{at(path, key)}: required"


def _typed(node: dict, path: str, wanted: str) -> Problems:
    if wanted not in type_list(node.get("type")):
        yield f"{at(path, 'type')}: must include {wanted}"


def rubric_levels(description: dict, path: str) -> Problems:
    """ResultDescription.rubricCriterionLevel: id, name and type RubricCriterionLevel."""
    value, level_path = description.get("rubricCriterionLevel"), at(path, "rubricCriterionLevel")
    yield from _not_objects(value, level_path, "a RubricCriterionLevel")
    for level, item_path in _objects(value, level_path):
        yield from _needs(level, item_path, "id", "name")
        yield from _typed(level, item_path, "RubricCriterionLevel")


def related(achievement: dict, path: str) -> Problems:
    """Achievement.related: other versions of the achievement, each with an id and type Related."""
    value, related_path = achievement.get("related"), at(path, "related")
    yield from _not_objects(value, related_path, "a Related")
    for item, item_path in _objects(value, related_path):
        yield from _needs(item, item_path, "id")
        yield from _typed(item, item_path, "Related")


def other_identifiers(node: dict, path: str) -> Problems:
    """otherIdentifier entries: type IdentifierEntry with identifier and identifierType."""
    value, entry_path = node.get("otherIdentifier"), at(path, "otherIdentifier")
    yield from _not_objects(value, entry_path, "an IdentifierEntry")
    for item, item_path in _objects(value, entry_path):
        yield from _needs(item, item_path, "identifier", "identifierType")
        if "IdentifierEntry" not in type_list(item.get("type")):
            yield f"{at(item_path, 'type')}: must be 'IdentifierEntry'"


def results(subject: dict, path: str) -> Problems:
    """Result.status is in the enumeration, required when the described resultType is Status;
    achievedLevel names a rubric level of the achievement."""
    achievement = subject.get("achievement")
    described = {item.get("id"): item for item, _ in
                 _objects(achievement.get("resultDescription"), "")} if isinstance(achievement, dict) else {}
    levels = {level.get("id") for item in described.values()
              for level, _ in _objects(item.get("rubricCriterionLevel"), "")}
    for result, result_path in _objects(subject.get("result"), at(path, "result")):
        status = result.get("status")
        if status is not None and status not in RESULT_STATUSES:
            yield (f"{at(result_path, 'status')}: {status!r} is not one of "
                   f"{', '.join(sorted(RESULT_STATUSES))}")
        linked = described.get(result.get("resultDescription"), {})
        if linked.get("resultType") == "Status" and status is None:
            yield f"{at(result_path, 'status')}: required (its resultDescription has resultType Status)"
        level = result.get("achievedLevel")
        if level is not None and level not in levels:
            yield (f"{at(result_path, 'achievedLevel')}: {level!r} is not the id of a "
                   "rubricCriterionLevel of the achievement")


def source(subject: dict, path: str) -> Problems:
    """AchievementSubject.source: the Profile that assessed on the issuer's behalf."""
    value = subject.get("source")
    if value is None:
        return
    if not isinstance(value, dict):
        yield f"{at(path, 'source')}: must be a Profile object"
        return
    yield from _needs(value, at(path, "source"), "id")
    yield from _typed(value, at(path, "source"), "Profile")


def rules(doc: dict) -> Problems:
    """The rules above, for an OpenBadgeCredential whose subject is one object."""
    subject = doc.get("credentialSubject")
    if isinstance(doc.get("issuer"), dict):
        yield from other_identifiers(doc["issuer"], "issuer")
    if not isinstance(subject, dict):
        return
    path = "credentialSubject"
    yield from source(subject, path)
    yield from results(subject, path)
    achievement = subject.get("achievement")
    if isinstance(achievement, dict):
        achievement_path = at(path, "achievement")
        yield from related(achievement, achievement_path)
        yield from other_identifiers(achievement, achievement_path)
        for item, item_path in _objects(achievement.get("resultDescription"),
                                        at(achievement_path, "resultDescription")):
            yield from rubric_levels(item, item_path)
