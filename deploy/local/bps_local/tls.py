#!/usr/bin/env python3
"""TLS for the local Kafka broker: a private CA, the broker's keystore and truststore, a client
certificate, and the server.properties lines of an SSL or SASL_SSL listener.

Everything goes into a git-ignored folder (default .local/tls/), made once and reused: the CA
and certificates (PEM, for the Python clients), broker.p12 (the broker's key and certificate
chain) and truststore.p12 (the CA, for the broker's own client side and for mutual TLS), with a
random store password in `password` (mode 600). The broker's certificate names 127.0.0.1 and
localhost, so clients verify the host name too.

  python -m bps_local.tls certs                         # make (or reuse) .local/tls/
  python -m bps_local.tls properties --port 19094       # listener lines for server.properties
  python -m bps_local.tls env applicant --bootstrap 127.0.0.1:19094   # a service's settings

Needs `openssl` and `keytool` (the JDK that runs Kafka has it). Stdlib only.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bps_local import ToolError

ROOT = Path(__file__).resolve().parents[3]
TLS_DIR = ROOT / ".local" / "tls"
DAYS = 825  # within what clients accept for a leaf certificate
SCRAM = "SCRAM-SHA-256"
SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule"
LEAF_EXTENSIONS = """\
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = {usage}
subjectAltName = IP:127.0.0.1, DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


class TlsError(ToolError):
    pass


@dataclass(frozen=True)
class Certs:
    """The files in one TLS folder (Certs.at(folder))."""

    home: Path
    ca: Path
    ca_key: Path
    broker_cert: Path
    broker_key: Path
    keystore: Path  # PKCS12: the broker's key and certificate chain
    truststore: Path  # PKCS12: the CA
    client_cert: Path
    client_key: Path
    password_file: Path

    @classmethod
    def at(cls, home: Path) -> Certs:
        home = Path(home).resolve()
        return cls(home, *(home / name for name in (
            "ca.pem", "ca.key", "broker.pem", "broker.key", "broker.p12", "truststore.p12",
            "client.pem", "client.key", "password")))

    @property
    def password(self) -> str:
        return self.password_file.read_text().strip()

    def complete(self) -> bool:
        return all(getattr(self, f).exists() for f in (
            "ca", "ca_key", "keystore", "truststore", "client_cert", "client_key",
            "password_file"))


@dataclass(frozen=True)
class Listener:
    """One client listener of the broker, on 127.0.0.1."""

    protocol: Literal["SSL", "SASL_SSL"]
    port: int
    # "required": mutual TLS, only clients with a certificate from our CA get in.
    client_auth: Literal["required", "requested", "none"] = "none"

    @property
    def name(self) -> str:
        return self.protocol  # one listener per protocol: its name is the protocol


def _run(cmd: list[str], cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise TlsError(f"`{' '.join(cmd[:3])} ...` failed:\n{done.stdout}{done.stderr}")


def _require(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise TlsError(f"`{tool}` was not found; {hint}")
    return path


def make_certs(home: Path = TLS_DIR) -> Certs:
    """Create the CA, the broker's stores and a client certificate unless they exist."""
    certs = Certs.at(home)
    if certs.complete():
        return certs
    openssl = _require("openssl", "install it, e.g. `apt-get install openssl`")
    keytool = _require("keytool", "it comes with the JDK Kafka runs on "
                                  "(`apt-get install openjdk-17-jre-headless`)")
    home = certs.home
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)  # private keys live here
    for stale in home.iterdir():  # a half-made folder is started over
        if stale.is_file():
            stale.unlink()
    password = secrets.token_urlsafe(18)
    _run([openssl, "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
          "-days", str(DAYS), "-subj", "/CN=BPS local Kafka CA",
          "-keyout", "ca.key", "-out", "ca.pem",
          "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign"], home)
    _issue(openssl, home, "broker", "localhost", "serverAuth, clientAuth")
    _issue(openssl, home, "client", "bps-client", "clientAuth")
    _run([openssl, "pkcs12", "-export", "-in", "broker.pem", "-inkey", "broker.key",
          "-certfile", "ca.pem", "-name", "broker", "-out", "broker.p12",
          "-passout", f"pass:{password}"], home)
    _run([keytool, "-importcert", "-noprompt", "-alias", "bps-local-ca", "-file", "ca.pem",
          "-keystore", "truststore.p12", "-storetype", "PKCS12",
          "-storepass", password], home)
    for leftover in ("broker.csr", "client.csr", "ca.srl"):
        (home / leftover).unlink(missing_ok=True)
    fd = os.open(certs.password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:  # written last: its presence marks a complete folder
        f.write(password + "\n")
    return certs


def _issue(openssl: str, home: Path, name: str, common_name: str, usage: str) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".cnf", dir=home, delete=False) as ext:
        ext.write(LEAF_EXTENSIONS.format(usage=usage))
    try:
        _run([openssl, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
              "-subj", f"/CN={common_name}", "-keyout", f"{name}.key",
              "-out", f"{name}.csr"], home)
        _run([openssl, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem",
              "-CAkey", "ca.key", "-CAcreateserial", "-sha256", "-days", str(DAYS),
              "-extfile", ext.name, "-out", f"{name}.pem"], home)
    finally:
        os.unlink(ext.name)
    os.chmod(home / f"{name}.key", 0o600)


def server_properties(certs: Certs, listeners: Sequence[Listener], controller_port: int,
                      scram_admin: tuple[str, str] | None = None) -> str:
    """The listener and TLS lines of a single KRaft node's server.properties.

    The controller listener stays PLAINTEXT on loopback (the broker talks only to itself
    there). Brokers talk to each other over the SSL listener when there is one; a SASL_SSL-only
    broker needs `scram_admin` (user, password) to log in to itself."""
    if not listeners:
        raise TlsError("at least one listener is needed")
    names = [x.name for x in listeners]
    if len(set(names)) != len(names):
        raise TlsError("one listener per protocol")
    inter = next((x for x in listeners if x.protocol == "SSL"), listeners[0])
    if inter.protocol == "SASL_SSL" and scram_admin is None:
        raise TlsError("a SASL_SSL-only broker logs in to itself: give it a SCRAM user "
                       "(scram_admin, or --scram-admin USER:PASSWORD)")
    bound = ",".join(f"{x.name}://127.0.0.1:{x.port}" for x in listeners)
    lines = [
        f"listeners={bound},CONTROLLER://127.0.0.1:{controller_port}",
        f"advertised.listeners={bound}",
        "controller.listener.names=CONTROLLER",
        f"inter.broker.listener.name={inter.name}",
        "listener.security.protocol.map=CONTROLLER:PLAINTEXT,"
        + ",".join(f"{x.name}:{x.protocol}" for x in listeners),
        "ssl.keystore.type=PKCS12",
        f"ssl.keystore.location={certs.keystore}",
        f"ssl.keystore.password={certs.password}",
        f"ssl.key.password={certs.password}",
        "ssl.truststore.type=PKCS12",
        f"ssl.truststore.location={certs.truststore}",
        f"ssl.truststore.password={certs.password}",
        "ssl.endpoint.identification.algorithm=https",
    ]
    lines += [f"listener.name.{x.name.lower()}.ssl.client.auth={x.client_auth}"
              for x in listeners]
    if any(x.protocol == "SASL_SSL" for x in listeners):
        login = SCRAM_LOGIN + " required"
        if scram_admin is not None:
            login += f' username="{scram_admin[0]}" password="{scram_admin[1]}"'
        lines += [f"sasl.enabled.mechanisms={SCRAM}",
                  f"sasl.mechanism.inter.broker.protocol={SCRAM}",
                  f"listener.name.sasl_ssl.sasl.enabled.mechanisms={SCRAM}",
                  f"listener.name.sasl_ssl.{SCRAM.lower()}.sasl.jaas.config={login};"]
    return "\n".join(lines) + "\n"


def service_env(service: str, certs: Certs, bootstrap: str, protocol: str = "SSL",
                client_cert: bool = True) -> dict[str, str]:
    """A service's settings for the TLS listener (SASL_SSL also needs its SASL login)."""
    p = service.upper() + "_"
    env = {p + "KAFKA_BOOTSTRAP_SERVERS": bootstrap, p + "KAFKA_SECURITY_PROTOCOL": protocol,
           p + "KAFKA_SSL_CAFILE": str(certs.ca)}
    if client_cert:
        env |= {p + "KAFKA_SSL_CERTFILE": str(certs.client_cert),
                p + "KAFKA_SSL_KEYFILE": str(certs.client_key)}
    return env


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=TLS_DIR, help="TLS folder (.local/tls)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("certs", help="make (or reuse) the CA, broker stores and client cert")
    p = sub.add_parser("properties", help="print the server.properties lines of a listener")
    p.add_argument("--port", type=int, required=True, help="the TLS listener's port")
    p.add_argument("--controller-port", type=int, help="default: --port + 1")
    p.add_argument("--protocol", choices=["SSL", "SASL_SSL"], default="SSL")
    p.add_argument("--client-auth", choices=["required", "requested", "none"], default="none")
    p.add_argument("--scram-admin", metavar="USER:PASSWORD",
                   help="the broker's own SCRAM login (needed for SASL_SSL)")
    p = sub.add_parser("env", help="print a service's settings for the TLS listener")
    p.add_argument("service")
    p.add_argument("--bootstrap", required=True)
    p.add_argument("--protocol", choices=["SSL", "SASL_SSL"], default="SSL")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        certs = make_certs(args.dir)
        if args.command == "certs":
            print(f"CA {certs.ca}\nbroker keystore {certs.keystore}\n"
                  f"truststore {certs.truststore}\nclient {certs.client_cert}")
        elif args.command == "properties":
            admin = tuple(args.scram_admin.split(":", 1)) if args.scram_admin else None
            listener = Listener(args.protocol, args.port, args.client_auth)
            print(server_properties(certs, [listener], args.controller_port or args.port + 1,
                                    admin), end="")
        else:
            for key, value in service_env(args.service, certs, args.bootstrap,
                                          args.protocol).items():
                print(f"export {key}={value}")
    except TlsError as exc:
        print(f"tls: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
