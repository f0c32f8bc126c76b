#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""rst-check.py FILE...: parse each reStructuredText file with docutils and
report every warning and error, as FILE:LINE: LEVEL: message, such as
inconsistent section title levels, malformed tables, undefined
substitutions or unknown link targets.  Exits 1 when there is any.

The kernel's documentation is built by Sphinx and its extensions; their
roles (:ref:, :c:func:, :doc:, ...) and directives (kernel-doc, c:function,
code-block, toctree, ...) are unknown to plain docutils.  They are
registered here as permissive stand-ins: a role keeps its text, a directive
takes any arguments and options and either ignores its content (code,
file names, cross-reference targets) or parses it as ordinary body
elements (notes, descriptions of C declarations)."""

import io
import sys

try:
    from docutils import nodes, transforms
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Directive, Parser, directives, roles
    from docutils.readers import standalone
except ImportError:
    sys.exit(f'rst-check.py: {sys.executable} has no docutils '
             '(Debian: python3-docutils)')

# Sphinx's roles, those of its C/C++/Python/JavaScript/reST domains, and
# those of the kernel's extensions (flat-table's spans).
SPHINX_ROLES = """
    any ref doc download numref envvar token keyword option term abbr command
    dfn file guilabel kbd mailheader makevar manpage menuselection mimetype
    newsgroup program regexp samp eq cspan rspan
""".split()
DOMAIN_ROLES = {
    'c': 'func member macro data type var enum enumerator struct union expr '
         'texpr',
    'cpp': 'any class struct union func member var type concept enum '
           'enumerator expr texpr',
    'py': 'mod func data const class meth attr exc obj',
    'js': 'mod func meth class data attr',
    'rst': 'dir role',
    'std': 'ref doc term envvar token keyword option numref download',
}

# Directives whose content is not reST body text, or is Sphinx-only
# machinery: their content is ignored.  (Sphinx's math takes options that
# docutils' does not.)
OPAQUE_DIRECTIVES = """
    code-block sourcecode highlight literalinclude toctree index glossary
    productionlist tabularcolumns centered hlist sectionauthor moduleauthor
    codeauthor default-domain math graphviz digraph graph ifconfig
    kernel-doc kernel-include kernel-feat kernel-abi kernel-figure
    kernel-image kernel-render maintainers-include
    c:namespace c:namespace-push c:namespace-pop c:alias
    cpp:namespace cpp:namespace-push cpp:namespace-pop cpp:alias
    py:module py:currentmodule
""".split()
# Directives whose content is reST body text: it is parsed and checked.
BODY_DIRECTIVES = """
    seealso versionadded versionchanged deprecated rst-class cssclass
    describe object flat-table program option envvar
    c:function c:macro c:struct c:union c:enum c:enumerator c:type c:var
    c:member
    cpp:class cpp:struct cpp:union cpp:function cpp:member cpp:var cpp:type
    cpp:concept cpp:enum cpp:enum-struct cpp:enum-class cpp:enumerator
    py:function py:data py:exception py:class py:attribute py:method
    py:staticmethod py:classmethod py:decorator py:decoratormethod
    js:function js:method js:class js:data js:attribute js:module
    rst:directive rst:directive:option rst:role
""".split()

# The substitutions Sphinx defines in every document.
SPHINX_SUBSTITUTIONS = ('version', 'release', 'today')


class AnyOptions(dict):
    """An option_spec that accepts every option, with or without a value."""

    def __missing__(self, key):
        return directives.unchanged

    def __bool__(self):
        return True


class OpaqueDirective(Directive):
    """Any arguments, any options, any content; leaves nothing behind."""

    optional_arguments = 1
    final_argument_whitespace = True
    option_spec = AnyOptions()
    has_content = True

    def run(self):
        return []


class BodyDirective(OpaqueDirective):
    """Like OpaqueDirective, but its content is parsed as body elements."""

    def run(self):
        node = nodes.container()
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


class TitledBodyDirective(OpaqueDirective):
    """Content parsed as body elements and sections (Sphinx's only)."""

    def run(self):
        node = nodes.container()
        if self.content:
            self.state.nested_parse(self.content, self.content_offset, node,
                                    match_titles=True)
        return [node]


class SphinxSubstitutions(transforms.Transform):
    """Define |version|, |release| and |today| before they are resolved."""

    default_priority = 200      # before references.Substitutions (220)

    def apply(self):
        doc = self.document
        for name in SPHINX_SUBSTITUTIONS:
            if name in doc.substitution_defs:
                continue
            sub = nodes.substitution_definition(name, nodes.Text(name),
                                                names=[name])
            doc.substitution_defs[name] = sub
            doc.substitution_names[name] = name


class Reader(standalone.Reader):
    def get_transforms(self):
        return super().get_transforms() + [SphinxSubstitutions]


class CollectingParser(Parser):
    """The reST parser, noting every system message of its document."""

    def __init__(self, found):
        super().__init__()
        self.found = found

    def parse(self, inputstring, document):
        document.reporter.attach_observer(self.found.append)
        super().parse(inputstring, document)


def register():
    for name in SPHINX_ROLES:
        roles.register_generic_role(name, nodes.literal)
    for domain, names in DOMAIN_ROLES.items():
        for name in names.split():
            roles.register_generic_role(f'{domain}:{name}', nodes.literal)
    for name in OPAQUE_DIRECTIVES:
        directives.register_directive(name, OpaqueDirective)
    for name in BODY_DIRECTIVES:
        directives.register_directive(name, BodyDirective)
    directives.register_directive('only', TitledBodyDirective)


def check(path):
    """The warnings and errors of the file at PATH, as lines to print."""
    found = []
    with open(path, encoding='utf-8') as f:
        text = f.read()
    publish_doctree(text, source_path=path, reader=Reader(),
                    parser=CollectingParser(found),
                    settings_overrides={
                        'report_level': 2,      # warnings and worse
                        'halt_level': 5,        # never stop: report all
                        'warning_stream': io.StringIO(),
                        'input_encoding': 'utf-8',
                        'syntax_highlight': 'none',     # no Pygments
                        'file_insertion_enabled': True,
                        'raw_enabled': True,
                        'tab_width': 8,
                    })
    out = []
    for msg in found:
        if msg['level'] < 2:
            continue
        # The message, then the first line of the source it quotes (the
        # title of an inconsistent section, the first line of a table).
        text = ' '.join(msg.children[0].astext().split()) if msg.children \
            else ''
        for quoted in msg.children[1:2]:
            first = quoted.astext().strip().split('\n')[0].strip()
            if first:
                text += f' {first!r}'
        where = msg.get('source') or path
        line = msg.get('line')
        out.append(f'{where}:{line if line is not None else "?"}: '
                   f'{msg["type"]}: {text}')
    return out


def main(argv):
    if len(argv) < 2:
        print('usage: rst-check.py FILE...', file=sys.stderr)
        return 2
    register()
    bad = 0
    for path in argv[1:]:
        try:
            problems = check(path)
        except OSError as e:
            problems = [f'{path}: cannot read: {e.strerror}']
        for p in problems:
            print(p)
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
