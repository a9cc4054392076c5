"""The parts of a SAM template that `adapters serve` needs, and what it cannot serve.

Only AWS::Serverless::Function resources with Api, HttpApi and FunctionUrlConfig events
are served. Anything else that matters locally is reported at start, not discovered on
the first request: non-Python or image functions, non-HTTP events (served by nothing),
authorizers (not enforced), values that only CloudFormation can resolve.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .routing import Route

DEFAULT_REST_API = "ServerlessRestApi"
DEFAULT_HTTP_API = "ServerlessHttpApi"


class TemplateError(Exception):
    """The template cannot be served at all; `warnings` says what was skipped on the way."""

    def __init__(self, message: str, warnings: list[str] | None = None) -> None:
        super().__init__(message)
        self.warnings = warnings or []


class Function:
    def __init__(
        self,
        name: str,
        handler: str,
        code_dir: Path,
        runtime: str,
        environment: dict[str, str],
        timeout: float,
        function_url: bool,
        url_streams: bool = False,
    ) -> None:
        self.name = name
        self.handler = handler
        self.code_dir = code_dir
        self.runtime = runtime
        self.environment = environment
        self.timeout = timeout
        self.function_url = function_url
        self.url_streams = url_streams  # FunctionUrlConfig.InvokeMode: RESPONSE_STREAM


class Api:
    """One API Gateway API (REST or HTTP), served on a port of its own."""

    def __init__(self, name: str, kind: str, stage: str, binary_types: tuple[str, ...]) -> None:
        self.name = name
        self.kind = kind  # "rest", "http" (payload 2.0) or "http-v1"
        self.stage = stage
        self.binary_types = binary_types
        self.routes: list[Route] = []


class Application:
    def __init__(self) -> None:
        self.functions: dict[str, Function] = {}
        self.apis: dict[str, Api] = {}
        self.warnings: list[str] = []


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        import yaml
    except ImportError:
        raise TemplateError(
            "reading a SAM template needs PyYAML: pip install 'webapp-adapters[cli]'"
        ) from None

    class Loader(yaml.SafeLoader):
        """CloudFormation's short tags (!Ref, !Sub ...) read as {"Ref": ...} style maps."""

    def tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if isinstance(node, yaml.ScalarNode):
            return {name: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {name: loader.construct_sequence(node, deep=True)}
        return {name: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type, unused-ignore]

    Loader.add_multi_constructor("!", tag)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise TemplateError(f"cannot read {path}: {error}") from None
    try:
        document = yaml.load(text, Loader=Loader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as error:
        raise TemplateError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources")
    return document


class Resolver:
    """Values of parameters and intrinsic functions, as far as they exist locally."""

    def __init__(self, document: dict[str, Any], overrides: dict[str, str]) -> None:
        self.parameters: dict[str, str | None] = {}
        for name, spec in (document.get("Parameters") or {}).items():
            default = spec.get("Default") if isinstance(spec, dict) else None
            self.parameters[name] = overrides.get(name, None if default is None else str(default))
        self.pseudo = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                       "AWS::StackName": "local", "AWS::URLSuffix": "amazonaws.com"}  # fmt: skip
        self.unresolved: list[str] = []

    def value(self, value: Any, where: str) -> str | None:
        if isinstance(value, (str, int, float, bool)):
            return str(value).lower() if isinstance(value, bool) else str(value)
        if isinstance(value, dict) and "Ref" in value:
            name = str(value["Ref"])
            if name in self.pseudo:
                return self.pseudo[name]
            if name in self.parameters:
                found = self.parameters[name]
                if found is None:
                    self.unresolved.append(
                        f"{where}: parameter {name} has no value "
                        f"(pass --parameter-overrides {name}=VALUE); it is left empty"
                    )
                return found or ""
        self.unresolved.append(
            f"{where}: {json.dumps(value)} can only be resolved by CloudFormation; "
            "it is left empty (set it with --env-vars)"
        )
        return ""


def read_application(
    path: Path, overrides: dict[str, str], env_vars: dict[str, dict[str, str]]
) -> Application:
    document = load_yaml(path)
    base_dir = path.parent
    resolver = Resolver(document, overrides)
    resources: dict[str, Any] = document["Resources"]
    function_globals = ((document.get("Globals") or {}).get("Function")) or {}
    app = Application()

    for name, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        kind = resource.get("Type")
        properties = resource.get("Properties") or {}
        if kind == "AWS::Serverless::Api":
            stage = resolver.value(properties.get("StageName", "Prod"), f"{name}.StageName")
            binary = tuple(
                str(t).replace("~1", "/") for t in properties.get("BinaryMediaTypes") or ()
            )
            app.apis[name] = Api(name, "rest", stage or "Prod", binary)
            if properties.get("Auth"):
                app.warnings.append(f"{name}: Auth (authorizers, API keys) is not enforced locally")
        elif kind == "AWS::Serverless::HttpApi":
            app.apis[name] = Api(name, "http", "$default", ())
            if properties.get("Auth"):
                app.warnings.append(f"{name}: Auth (authorizers) is not enforced locally")
        elif kind == "AWS::Lambda::Function":
            app.warnings.append(f"{name}: plain AWS::Lambda::Function resources are not served")

    for name, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = {**function_globals, **(resource.get("Properties") or {})}
        function = _read_function(name, properties, function_globals, base_dir, resolver, app)
        if function is None:
            continue
        function.environment.update(env_vars.get("Parameters", {}))  # for every function
        function.environment.update(env_vars.get(name, {}))
        app.functions[name] = function
        _read_events(function, properties.get("Events") or {}, app)

    app.warnings.extend(resolver.unresolved)
    if not any(api.routes for api in app.apis.values()) and not any(
        f.function_url for f in app.functions.values()
    ):
        raise TemplateError(
            f"{path} has no function with an Api, HttpApi or FunctionUrlConfig event to serve",
            app.warnings,
        )
    app.apis = {name: api for name, api in app.apis.items() if api.routes}
    return app


def _read_function(
    name: str,
    properties: dict[str, Any],
    function_globals: dict[str, Any],
    base_dir: Path,
    resolver: Resolver,
    app: Application,
) -> Function | None:
    if properties.get("PackageType") == "Image":
        app.warnings.append(f"{name}: image functions are not served (PackageType: Image)")
        return None
    runtime = str(properties.get("Runtime", ""))
    if not runtime.startswith("python3"):
        app.warnings.append(f"{name}: runtime {runtime or '(none)'} is not Python; not served")
        return None
    handler = properties.get("Handler")
    code_uri = properties.get("CodeUri", ".")
    if not isinstance(handler, str) or "." not in handler:
        app.warnings.append(f"{name}: no Handler like module.function; not served")
        return None
    if not isinstance(code_uri, str):
        app.warnings.append(f"{name}: CodeUri must be a local folder; not served")
        return None
    code_dir = (base_dir / code_uri).resolve()
    if not code_dir.is_dir():
        app.warnings.append(f"{name}: CodeUri {code_uri} is not a folder; not served")
        return None
    if properties.get("Layers"):
        app.warnings.append(f"{name}: Layers are not loaded locally")
    environment: dict[str, str] = {}
    global_env = ((function_globals.get("Environment") or {}).get("Variables")) or {}
    own_env = (((properties.get("Environment") or {}).get("Variables")) or {}) if isinstance(
        properties.get("Environment"), dict
    ) else {}  # fmt: skip
    for key, value in {**global_env, **own_env}.items():
        environment[key] = resolver.value(value, f"{name}.Environment.{key}") or ""
    timeout = float(properties.get("Timeout", 3) or 3)
    url_config = properties.get("FunctionUrlConfig")
    invoke_mode = url_config.get("InvokeMode") if isinstance(url_config, dict) else None
    if invoke_mode not in (None, "BUFFERED", "RESPONSE_STREAM"):
        app.warnings.append(f"{name}: FunctionUrlConfig.InvokeMode {invoke_mode!r} is unknown")
    return Function(
        name, handler, code_dir, runtime, environment, timeout,
        "FunctionUrlConfig" in properties, invoke_mode == "RESPONSE_STREAM",
    )  # fmt: skip


def _api_name(properties: dict[str, Any], key: str, default: str) -> str:
    reference = properties.get(key)
    if isinstance(reference, dict) and "Ref" in reference:
        return str(reference["Ref"])
    return default


def _read_events(function: Function, events: dict[str, Any], app: Application) -> None:
    for event_name, event in events.items():
        where = f"{function.name}.Events.{event_name}"
        if not isinstance(event, dict):
            continue
        kind = event.get("Type")
        properties = event.get("Properties") or {}
        if kind == "Api":
            api_name = _api_name(properties, "RestApiId", DEFAULT_REST_API)
            api = app.apis.setdefault(api_name, Api(api_name, "rest", "Prod", ()))
            if api.kind != "rest":
                app.warnings.append(f"{where}: RestApiId {api_name} is not a REST API; skipped")
                continue
            path, method = properties.get("Path"), properties.get("Method", "ANY")
            mode = properties.get("ResponseTransferMode")
            if mode not in (None, "BUFFERED", "RESPONSE_STREAM"):
                app.warnings.append(f"{where}: ResponseTransferMode {mode!r} is unknown")
            streams = mode == "RESPONSE_STREAM"
        elif kind == "HttpApi":
            api_name = _api_name(properties, "ApiId", DEFAULT_HTTP_API)
            api = app.apis.setdefault(api_name, Api(api_name, "http", "$default", ()))
            if str(properties.get("PayloadFormatVersion", "2.0")) == "1.0":
                api.kind = "http-v1"
            path, method = properties.get("Path", "/{proxy+}"), properties.get("Method", "ANY")
            streams = False  # HTTP APIs never stream
            if "Path" not in properties:  # the $default route catches everything
                api.routes.append(Route("ANY", "/", function.name))
        else:
            app.warnings.append(f"{where}: {kind} events are not HTTP; nothing serves them locally")
            continue
        if not isinstance(path, str) or not path.startswith("/"):
            app.warnings.append(f"{where}: Path {path!r} is not a path; skipped")
            continue
        if properties.get("Auth"):
            app.warnings.append(f"{where}: Auth is not enforced locally")
        api.routes.append(Route(str(method), path, function.name, streams))
