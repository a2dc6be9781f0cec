#!/usr/bin/env python3
"""Renders each template in templates/ for each conversation of cases.json with Jinja2
set up as Hugging Face's transformers renders chat templates (apply_chat_template:
a sandbox, trim_blocks, lstrip_blocks, loop controls, its tojson, raise_exception and
strftime_now), and writes expected/<template>.json: for each "<conversation>/<agp>"
(agp: add_generation_prompt true/false) the rendered text or the error it raised.

    /usr/bin/python3 tests/chat/make_expected.py      # needs jinja2 (3.x)

tests/chat/published_templates_test.cpp compares our interpreter with these byte for byte.
"""
import datetime
import json
import pathlib

import jinja2
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = pathlib.Path(__file__).resolve().parent


def make_environment(now):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    def strftime_now(format):
        return now.strftime(format)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def main():
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    env = make_environment(datetime.datetime.fromisoformat(cases["now"]))
    out_dir = HERE / "expected"
    out_dir.mkdir(exist_ok=True)
    for name, tokens in cases["templates"].items():
        template = env.from_string((HERE / "templates" / (name + ".jinja")).read_text(encoding="utf-8"))
        results = {}
        for conv_name, conv in cases["conversations"].items():
            for agp in (True, False):
                variables = dict(conv.get("variables", {}))
                variables.update(messages=conv["messages"], add_generation_prompt=agp, **tokens)
                if "tools" in conv:
                    variables["tools"] = conv["tools"]
                key = f"{conv_name}/{'true' if agp else 'false'}"
                try:
                    results[key] = {"output": template.render(**variables)}
                except jinja2.exceptions.TemplateError as e:
                    results[key] = {"error": str(e)}
        path = out_dir / (name + ".json")
        path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{path.relative_to(HERE)}: {sum('output' in r for r in results.values())} renders, "
              f"{sum('error' in r for r in results.values())} errors")
    render_snippets(env)


def render_snippets(env):
    """expected/snippets.json: each construct of snippets.json, rendered or its error."""
    spec = json.loads((HERE / "snippets.json").read_text(encoding="utf-8"))
    results = {}
    for name, text in spec["snippets"].items():
        variables = dict(spec["variables"], messages=spec["variables"]["msgs"], add_generation_prompt=True)
        try:
            results[name] = {"output": env.from_string(text).render(**variables)}
        except Exception as e:  # the class names the kind: UndefinedError, TypeError, ...
            results[name] = {"error": f"{type(e).__name__}: {e}"}
    path = HERE / "expected" / "snippets.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{path.relative_to(HERE)}: {len(results)} snippets")


if __name__ == "__main__":
    main()
