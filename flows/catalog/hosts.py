"""Is a pasted link's host public? Decided from its spelling alone (pure); names that only resolve to a
private address are refused by the runtime at submit time (runtime/jobs/pasted_urls.py).

Browsers, curl and most fetchers read hosts loosely: full-width digits and ideographic dots are
normalised by IDNA, `0x7f.1`, `0177.0.0.1`, `2130706433` and `127.1` all mean 127.0.0.1 (the WHATWG
URL standard's IPv4 parser), and IPv6 can wrap an IPv4 address (mapped, 6to4, NAT64). So the host is
normalised first (NFKC, IDNA dots, lower case, IDNA to ASCII) and then read the way such a fetcher
would; only a plain dotted quad is accepted as a numeric host.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

BLOCKED_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")
# IDNA treats these as label separators, like ".".
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_DOTTED_QUAD = re.compile(
    r"(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: IPAddress) -> bool:
    """A globally reachable unicast address, also when IPv6 wraps an IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not address.is_multicast


def ascii_host(host: str) -> str:
    """The host as DNS sees it (NFKC, IDNA dots, lower case, punycode); raises ValueError if it cannot be."""
    name = unicodedata.normalize("NFKC", host).translate(_DOTS).lower()
    name = name[:-1] if name.endswith(".") else name
    if not name:
        raise ValueError("empty host")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError("not an IDNA host") from exc
    return name


def host_problem(host: str) -> str | None:
    """None for a public host name or address; else "private_url" or "bad_url" (an error code)."""
    try:
        name = ascii_host(host)
    except ValueError:
        return "bad_url"
    if ":" in name:
        try:
            address = ipaddress.IPv6Address(name)
        except ValueError:
            return "bad_url"
        return None if is_public_address(address) else "private_url"
    labels = name.split(".")
    if not all(labels):
        return "bad_url"
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        # A fetcher reads this host as an IPv4 address: only a plain dotted quad is acceptable.
        if _DOTTED_QUAD.fullmatch(name):
            return None if is_public_address(ipaddress.IPv4Address(name)) else "private_url"
        loose = whatwg_ipv4(labels)
        return "private_url" if loose is not None and not is_public_address(loose) else "bad_url"
    if name == "localhost" or name.endswith(BLOCKED_SUFFIXES) or "." not in name:
        return "private_url"
    if not all(_LABEL.fullmatch(label) for label in labels):
        return "bad_url"
    return None


def whatwg_ipv4(labels: list[str]) -> ipaddress.IPv4Address | None:
    """The address a browser makes of 1 to 4 decimal, octal (0…) or hex (0x…) parts, or None."""
    if not 1 <= len(labels) <= 4:
        return None
    numbers = []
    for part in labels:
        if part.startswith("0x"):
            digits, base = part[2:] or "0", 16
        elif len(part) > 1 and part.startswith("0"):
            digits, base = part[1:], 8
        else:
            digits, base = part, 10
        allowed = {16: "0123456789abcdef", 8: "01234567", 10: "0123456789"}[base]
        if not digits or any(ch not in allowed for ch in digits):
            return None
        numbers.append(int(digits, base))
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last + sum(n * 256 ** (3 - i) for i, n in enumerate(head))
    return ipaddress.IPv4Address(value)
