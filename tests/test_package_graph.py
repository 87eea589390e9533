"""Our packages import one another without circles, so every module can be read, tested and moved on its own.

A circle (a imports b, b imports a, perhaps through others) ties its modules together: none can change or be
tested alone, and in Qt code it is usually a window lending itself to helpers that reach back into it.
Imports made only for type checking count too: they are still a dependency the reader has to hold. A
package's ``__init__`` importing its own children is normal and closes no circle unless a child imports the
package back. The layers themselves (imports point down only) are import-linter's contract in pyproject.toml.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

import grimp

OUR_PACKAGES = ("designer", "storage", "ai", "widgets")


def circles(imports: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Every set of modules that import one another round a loop (strongly connected, more than one module).

    Tarjan's algorithm, iterative so that a long import chain cannot reach Python's recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> tuple[str, Iterator[str]]:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        return module, iter(sorted(imports.get(module, ())))

    for root in sorted(imports):
        if root in index:
            continue
        work = [visit(root)]
        while work:
            module, pending = work[-1]
            for imported in pending:
                if imported not in index:
                    work.append(visit(imported))
                    break
                if imported in on_stack:
                    low[module] = min(low[module], index[imported])
            else:
                work.pop()
                if work:
                    importer = work[-1][0]
                    low[importer] = min(low[importer], low[module])
                if low[module] == index[module]:
                    component: list[str] = []
                    while not component or component[-1] != module:
                        component.append(stack.pop())
                        on_stack.discard(component[-1])
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def test_the_circle_finder_names_every_module_of_a_circle_and_nothing_else() -> None:
    imports = {
        "widgets.window": {"widgets.tools", "designer.core"},
        "widgets.tools": {"widgets.sync"},
        "widgets.sync": {"widgets.window", "storage.tables"},
        "storage.tables": {"storage.base"},
        "storage.base": set(),
        "designer.core": set(),
    }
    assert circles(imports) == [["widgets.sync", "widgets.tools", "widgets.window"]]
    del imports["widgets.sync"]
    assert circles(imports) == []


def test_the_circle_finder_follows_a_chain_longer_than_the_recursion_limit() -> None:
    chain = {f"m{number}": {f"m{number + 1}"} for number in range(5000)}
    assert circles(chain) == []
    chain["m5000"] = {"m0"}
    assert [len(circle) for circle in circles(chain)] == [5001]


def test_no_module_of_ours_is_part_of_an_import_circle() -> None:
    graph = grimp.build_graph(*OUR_PACKAGES, cache_dir=None)  # a cache could answer for files since edited
    imports = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    found = circles(imports)
    lines = []
    for circle in found:
        lines.append(" ↔ ".join(circle))
        for importer in circle:
            for imported in sorted(imports[importer] & set(circle)):
                details = graph.get_import_details(importer=importer, imported=imported)
                where = ", ".join(str(detail["line_number"]) for detail in details)
                lines.append(f"    {importer} imports {imported} (line {where})")
    assert not found, "import circles:\n" + "\n".join(lines)
