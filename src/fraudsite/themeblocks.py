"""A block a site's template defines that the template it extends has not: Jinja renders the parent's blocks
only, so the misspelled one's content is dropped without a word (``{% block mian %}``: every case page empty)."""

from __future__ import annotations

from pathlib import Path

import jinja2
from jinja2 import nodes

from fraudsite.errors import Problem, did_you_mean, warning
from fraudsite.render import is_template
from fraudsite.theme import default_theme_dir


def stray_block_problems(site_dir: Path, env: jinja2.Environment) -> list[Problem]:
    """W407 for each block of the site's own templates (not the built-in ones: tested) that no ancestor has; ``env``
    is the site's (``render.make_environment``), whose loader finds a parent as the build does."""
    own = site_dir / "theme" / "templates"
    if not own.is_dir() or own.resolve() == (default_theme_dir() / "templates").resolve():
        return []
    problems = []
    for name in env.list_templates(filter_func=is_template):
        tree = _parse(env, name) if (own / name).is_file() else None
        parent = _parent(tree) if tree else None
        if not parent:
            continue
        known = _ancestor_blocks(env, parent)
        if known is None:  # an ancestor not found or not parsed: E403 or E401 says so
            continue
        for block in _outer_blocks(tree):
            if block.name not in known:
                hint = did_you_mean(block.name, sorted(known))
                problems.append(warning(f"theme/templates/{name}", block.lineno, "W407", "",
                                        f"块“{block.name}”在它继承的 {parent} 里没有，块里的内容不会出现在页面上；"
                                        f"{hint if hint.endswith('？') else hint + '。'}"
                                        "块名要和上级模板里 {% block 名字 %} 的名字完全一样"))
    return problems


def _parse(env: jinja2.Environment, name: str) -> nodes.Template | None:
    """A template's syntax tree, found as the build finds it (the site's theme first); None if it does not load."""
    try:
        source, filename, _ = env.loader.get_source(env, name)
        return env.parse(source, name, filename)
    except jinja2.TemplateError:  # not found, not UTF-8, a syntax error: the other template checks say so
        return None


def _parent(tree: nodes.Template) -> str | None:
    """The template ``tree`` extends, when written as a literal name."""
    extends = tree.find(nodes.Extends)
    return extends.template.value if extends and isinstance(extends.template, nodes.Const) else None


def _ancestor_blocks(env: jinja2.Environment, name: str) -> set[str] | None:
    """Every block the template ``name`` and those it extends define, nested ones too (a child may fill those)."""
    known: set[str] = set()
    seen = set()
    while name and name not in seen:  # a loop of extends is E404's
        seen.add(name)
        tree = _parse(env, name)
        if tree is None:
            return None
        known |= {block.name for block in tree.find_all(nodes.Block)}
        name = _parent(tree)
    return known


def _outer_blocks(tree: nodes.Template) -> list[nodes.Block]:
    """The blocks not inside another block: one inside is shown with its outer block, and so needs no ancestor."""
    inner = {id(nested) for block in tree.find_all(nodes.Block) for nested in block.find_all(nodes.Block)}
    return [block for block in tree.find_all(nodes.Block) if id(block) not in inner]
