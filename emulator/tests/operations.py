#!/usr/bin/env python3
"""Writes tests/operations.txt: every operation of the API reference, by its wire name.

The reference (the boto3 documentation of the cognito-idp client, ../shared/seeds/001_*.txt) lists
its methods in snake case after "These are the available methods:". A clone has no ../shared/, so
the list is kept in the repository; run this again only when the reference changes:

    python3 emulator/tests/operations.py ../shared/seeds/001_29e020d5a9f26c24.txt

The wire name (X-Amz-Target) is the snake name in PascalCase, except where the service spells an
acronym in capitals; boto3 lowercases those, so they are listed here (checked against the
reference text, which spells AdminSetUserMFAPreference, SetUserMFAPreference and
UICustomization, and SetUserPoolMfaConfig in mixed case).
"""
import pathlib
import sys

# Helpers of the boto3 client, not operations of the service.
NOT_OPERATIONS = {"can_paginate", "close", "get_paginator", "get_waiter"}
# snake-case word sequence -> the service's spelling.
ACRONYMS = {
    ("user", "mfa", "preference"): "UserMFAPreference",
    ("csv",): "CSV",
    ("ui",): "UI",
}


def wire_name(snake: str) -> str:
    words = snake.split("_")
    out, i = [], 0
    while i < len(words):
        for key, spelled in ACRONYMS.items():
            if tuple(words[i : i + len(key)]) == key:
                out.append(spelled)
                i += len(key)
                break
        else:
            out.append(words[i].capitalize())
            i += 1
    return "".join(out)


def main() -> None:
    source = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8").splitlines()
    start = source.index("These are the available methods:") + 1
    names = []
    for line in source[start:]:
        if not line.endswith("()"):
            break
        snake = line[:-2]
        if snake not in NOT_OPERATIONS:
            names.append(wire_name(snake))
    target = pathlib.Path(__file__).with_name("operations.txt")
    target.write_text("".join(name + "\n" for name in sorted(names)), encoding="utf-8")
    print(f"{len(names)} operations written to {target}")


if __name__ == "__main__":
    main()
