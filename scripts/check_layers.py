#!/usr/bin/env python3
"""Checks that every #include "..." in the library goes down the layers, never up or sideways.

The layers (shared/DESIGN.md, docs/architecture.md), bottom to top, and what each may include
besides itself:

  core       Tensor, Storage, Shape, DType, Device, allocators, RNG      nothing
  kernels    backend-neutral parameter structs, twin declarations       core
  cpu, cuda  the two backends (src/cpu, cuda/)                          kernels, core
  profile    the profiler: per-module time and work                     core
  autograd   Node, record(), grad mode                                  profile, core
  dispatch   picks a kernel twin by device (src/dispatch.*)             kernels, cpu, cuda, core
  comm       the communicator and its MPI / NCCL backends (gf/dist)     autograd (grad mode), cuda (NCCL's
                                                                        streams), kernels, core
  ops        one function per op: checks, forward, backward             dispatch, autograd, profile, kernels, core
  engine     backward sweep, gradcheck                                  ops and below, but not dispatch
  library    nn, optim, data, io, image, metrics, the rest of dist      engine, comm and below, each other
  models     models/gan, models/style (the style family may use the     library and below
             GAN family's losses, never the other way round)
  serve      the service's library part                                 models and below
  programs   examples, tests, benchmarks                                anything

A file's layer comes from its path (LAYER_OF below). Run from anywhere:
  python3 scripts/check_layers.py              check the includes, and that docs/architecture.md
                                               shows the graph they make; exit 1 naming each fault
  python3 scripts/check_layers.py --write-doc  rewrite that graph in docs/architecture.md
  python3 scripts/check_layers.py --dot        the same graph for Graphviz
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ["include", "src", "cuda", "examples", "tests", "benchmarks"]
SUFFIXES = {".hpp", ".cpp", ".cu", ".cuh", ".h"}

# (path prefix relative to the root, layer): the longest matching prefix wins.
LAYER_OF = [
    ("include/gf/core/", "core"), ("src/core/", "core"),
    ("include/gf/kernels/", "kernels"), ("src/kernels/", "kernels"),
    ("src/cpu/", "cpu"),
    ("cuda/", "cuda"),
    ("include/gf/autograd/node.hpp", "autograd"), ("src/autograd/node.cpp", "autograd"),
    ("include/gf/autograd/grad_mode.hpp", "autograd"), ("src/autograd/grad_mode.cpp", "autograd"),
    ("include/gf/profile/", "profile"), ("src/profile/", "profile"),
    ("include/gf/ops/", "ops"), ("src/ops/", "ops"), ("src/dispatch.hpp", "dispatch"),
    ("src/dispatch.cpp", "dispatch"),
    ("include/gf/autograd/", "engine"), ("src/autograd/", "engine"),
    ("include/gf/engine/", "engine"), ("src/engine/", "engine"),
    ("include/gf/nn/", "library"), ("src/nn/", "library"),
    ("include/gf/optim/", "library"), ("src/optim/", "library"),
    ("include/gf/data/", "library"), ("src/data/", "library"),
    ("include/gf/io/", "library"), ("src/io/", "library"),
    ("include/gf/image/", "library"), ("src/image/", "library"),
    ("include/gf/metrics/", "library"), ("src/metrics/", "library"),
    ("include/gf/dist/communicator.hpp", "comm"), ("src/dist/communicator.cpp", "comm"),
    ("src/dist/backends.hpp", "comm"), ("src/dist/mpi/", "comm"), ("src/dist/nccl/", "comm"),
    ("include/gf/dist/", "library"), ("src/dist/", "library"),
    ("include/gf/models/", "models"), ("src/models/", "models"),
    ("include/gf/serve/", "serve"), ("src/serve/", "serve"),
    ("include/gf/gf.hpp", "programs"),
    ("examples/", "programs"), ("tests/", "programs"), ("benchmarks/", "programs"),
]

BELOW = {
    "core": set(),
    "kernels": {"core"},
    "cpu": {"kernels", "core"},
    "cuda": {"kernels", "core"},
    "profile": {"core"},
    "autograd": {"profile", "core"},
    "dispatch": {"kernels", "cpu", "cuda", "core"},
    "comm": {"autograd", "cuda", "kernels", "core"},
    "ops": {"dispatch", "autograd", "profile", "kernels", "core"},
    "engine": {"ops", "autograd", "profile", "core"},
    "library": {"library", "comm", "engine", "ops", "autograd", "profile", "core"},
    "models": {"library", "comm", "engine", "ops", "autograd", "profile", "core"},
    "serve": {"models", "library", "comm", "engine", "ops", "autograd", "profile", "core"},
    "programs": {"serve", "models", "library", "comm", "engine", "ops", "autograd", "profile", "dispatch",
                 "kernels", "cpu", "cuda", "core", "programs"},
}
ORDER = ["programs", "serve", "models", "library", "engine", "ops", "dispatch", "comm", "autograd", "profile",
         "cpu", "cuda", "kernels", "core"]

# Within models: (family, a family it must not include), by path prefix.
FAMILY_OF = [("include/gf/models/gan/", "gan"), ("src/models/gan/", "gan"),
             ("include/gf/models/style/", "style"), ("src/models/style/", "style")]
FORBIDDEN_FAMILIES = {("gan", "style")}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def layer_of(rel):
    best = None
    for prefix, layer in LAYER_OF:
        if rel.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
            best = (prefix, layer)
    return best[1] if best else None


def family_of(rel):
    return next((family for prefix, family in FAMILY_OF if rel.startswith(prefix)), None)


def resolve(name, including):
    """The file an #include "name" names: beside the includer, or under include/, src/, the root."""
    for base in (including.parent, ROOT / "include", ROOT / "src", ROOT):
        candidate = base / name
        if candidate.is_file():
            return candidate.resolve().relative_to(ROOT).as_posix()
    return None  # a generated or third-party header: not ours to place


def edges():
    for top in SOURCE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(ROOT).as_posix()
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                match = INCLUDE.match(line)
                if match:
                    target = resolve(match.group(1), path)
                    if target is not None:
                        yield rel, number, target


def check():
    errors = []
    for rel, number, target in edges():
        src, dst = layer_of(rel), layer_of(target)
        if src is None:
            errors.append(f"{rel}: no layer for this file; add its path to LAYER_OF")
            continue
        if dst is None:
            errors.append(f"{rel}:{number}: includes {target}, which has no layer; add it to LAYER_OF")
            continue
        if (family_of(rel), family_of(target)) in FORBIDDEN_FAMILIES:
            errors.append(f"{rel}:{number}: the {family_of(rel)} models include {target} of the "
                          f"{family_of(target)} models; only the style family may use the GAN family")
            continue
        if dst == src or dst in BELOW[src]:
            continue
        errors.append(f"{rel}:{number}: {src} includes {target} ({dst}); {src} may include only "
                      f"{', '.join(sorted(BELOW[src])) or 'itself'}")
    for error in errors:
        print(error)
    print(f"check_layers: {len(errors)} wrong include(s)")
    return 1 if errors else 0


def layer_edges():
    """{(layer, included layer): number of #include lines}, programs left out."""
    counts = {}
    for rel, _, target in edges():
        src, dst = layer_of(rel), layer_of(target)
        if src and dst and src != dst and src != "programs":
            counts[(src, dst)] = counts.get((src, dst), 0) + 1
    return dict(sorted(counts.items(), key=lambda e: (ORDER.index(e[0][0]), ORDER.index(e[0][1]))))


def dot():
    print("digraph layers {\n  rankdir=TB; node [shape=box];")
    for (src, dst), n in layer_edges().items():
        wrong = "" if dst in BELOW[src] else ", color=red"
        print(f'  "{src}" -> "{dst}" [label={n}{wrong}];')
    print("}")
    return 0


DOC = ROOT / "docs" / "architecture.md"
BEGIN, END = "<!-- layer graph: generated by scripts/check_layers.py --write-doc -->", "<!-- end of layer graph -->"


def graph_text():
    """Each layer and the layers its #include lines reach (how many lines), top to bottom."""
    by_src = {}
    for (src, dst), n in layer_edges().items():
        by_src.setdefault(src, []).append(f"{dst} ({n})")
    lines = ["```"] + [f"{layer:<9} -> {', '.join(by_src[layer])}" for layer in ORDER if layer in by_src] + ["```"]
    return "\n".join([BEGIN] + lines + [END])


def doc_parts():
    text = DOC.read_text()
    if BEGIN not in text or END not in text:
        return None
    head, rest = text.split(BEGIN, 1)
    return head, rest.split(END, 1)[1]


def check_doc():
    parts = doc_parts()
    if parts is None:
        print(f"{DOC.relative_to(ROOT)}: no generated layer graph (markers missing)")
        return 1
    if BEGIN + DOC.read_text().split(BEGIN, 1)[1].split(END, 1)[0] + END != graph_text():
        print(f"{DOC.relative_to(ROOT)}: the layer graph is not the one the includes make; "
              "run python3 scripts/check_layers.py --write-doc")
        return 1
    return 0


def write_doc():
    parts = doc_parts()
    if parts is None:
        print(f"{DOC.relative_to(ROOT)}: add the two marker lines where the graph goes:\n{BEGIN}\n{END}")
        return 1
    DOC.write_text(parts[0] + graph_text() + parts[1])
    return 0


if __name__ == "__main__":
    if "--dot" in sys.argv[1:]:
        sys.exit(dot())
    if "--write-doc" in sys.argv[1:]:
        sys.exit(write_doc())
    sys.exit(max(check(), check_doc()))
