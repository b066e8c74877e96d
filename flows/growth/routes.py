"""🎁 Пригласить друга, `/start r-<code>`, 🎟 Промокод and `/promo CODE`, and the admin's promo codes
(`/admin` → 🎟 Промокоды, `/newpromo …`, `/endpromo CODE`). Pure: the runtime loads (runtime/growth.py) and applies the
effects (flows/growth/model.py) in the update's transaction."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote

import msgspec

from flows.growth.model import (
    PROMO_CODE,
    REF_PREFIX,
    BindReferral,
    CreatePromo,
    EndPromo,
    RecordPromoMiss,
    RedeemPromo,
    promo_code,
    ref_code,
    refusal,
    rules_of,
)
from flows.incoming import Incoming
from flows.menus.screens import back_to_menu_row, main_menu
from flows.money import common as c
from flows.money.admin.common import LANG, home_row, panel
from flows.outcome import Outcome, show
from flows.payloads.growth import AdminPromos, AskPromo, OpenInvite
from flows.payloads.money import OpenBalance
from flows.preload import NOTHING, Needs
from flows.routing.registry import Declaration, OnCallback, OnCommand, OnMessage, Request, Route
from flows.screens import Button, Screen
from flows.session import Session
from flows.texts import t
from flows.views import PromoView

INVITE = "invite"
PROMO = "promo"


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={REF_PREFIX}{code}"


# --- referrals ------------------------------------------------------------------------------------


def invite_screen(req: Request) -> Screen:
    lang, view, ctx = req.event.lang, req.loaded.referral, req.ctx
    rules = rules_of(ctx.policy)
    lines = [t(lang, "growth.invite_title", percent=rules.referral_percent, days=rules.referral_days)]
    if rules.welcome_kopecks:
        lines.append(t(lang, "growth.invite_welcome", amount=c.rub(rules.welcome_kopecks)))
    rows: list[tuple[Button, ...]] = []
    if view is not None and ctx.bot_username:
        link = invite_link(ctx.bot_username, view.code)
        lines += ["", t(lang, "growth.invite_link", link=html.escape(link))]
        share = (
            f"https://t.me/share/url?url={quote(link, safe='')}&text={quote(t(lang, 'growth.share_text'))}"
        )
        rows.append((Button(t(lang, "growth.share_button"), url=share),))
    else:
        lines += ["", t(lang, "growth.link_not_ready")]
    if view is not None:
        lines += [
            "",
            t(
                lang,
                "growth.invite_stats",
                invited=view.invited,
                paid=view.paid,
                earned=c.rub(view.earned_kopecks),
            ),
        ]
    rows.append((Button(t(lang, "growth.to_balance"), data=OpenBalance().data()),))
    rows.append(back_to_menu_row(lang))
    return Screen(text="\n".join(lines), buttons=tuple(rows))


def open_invite(req: Request) -> Outcome:
    assert req.place is not None
    return show(req.event, req.session.at(req.place), invite_screen(req))


def referral_start(req: Request) -> Outcome:
    """`/start r-<code>`: the main menu; a brand-new user is bound to the inviter, once."""
    lang, found = req.event.lang, req.loaded.referral_start
    effects: tuple[BindReferral, ...] = ()
    notice = None
    if (
        found is not None
        and found.inviter_id is not None
        and found.new_user
        and not found.bound
        and found.inviter_id != req.event.user_id
    ):
        effects = (BindReferral(req.event.user_id, found.inviter_id),)
        welcome = rules_of(req.ctx.policy).welcome_kopecks
        notice = (
            t(lang, "growth.invited_welcome", amount=c.rub(welcome)) if welcome else t(lang, "growth.invited")
        )
    assert req.place is not None
    screen = main_menu(lang, req.ctx, notice=notice, recent=req.loaded.recent)
    outcome = show(req.event, req.session.at(req.place), screen)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=effects)


def _start_needs(event: Incoming, payload: object, session: Session) -> Needs:
    code = ref_code(event.args)
    return Needs(referral_code=code) if code is not None else NOTHING


# --- promo codes (users) ------------------------------------------------------------------------------


def _promo_screen(lang: str, text: str) -> Screen:
    return Screen(
        text=text,
        buttons=((Button(t(lang, "growth.to_balance"), data=OpenBalance().data()),), back_to_menu_row(lang)),
    )


def ask_promo(req: Request) -> Outcome:
    lang = req.event.lang
    return show(req.event, req.session.at(PROMO), _promo_screen(lang, t(lang, "growth.promo_ask")))


def redeem(req: Request) -> Outcome:
    """A code typed at 🎟 Промокод or given to `/promo`: every refusal says why; a success what it gave."""
    lang, lookup = req.event.lang, req.loaded.promo
    if lookup is None:  # `/promo` alone, or a message with no text
        return ask_promo(req)
    reason = refusal(lookup)
    session = req.session.at(PROMO)
    if reason is not None:
        text = t(lang, f"growth.promo_{reason}", code=html.escape(lookup.code))
        outcome = show(req.event, session, _promo_screen(lang, text))
        if reason != "unknown":
            return outcome
        miss = RecordPromoMiss(req.event.user_id)
        return Outcome(session=outcome.session, actions=outcome.actions, effects=(miss,))
    promo = lookup.promo
    assert promo is not None
    credit = promo.amount_kopecks or 0
    if promo.kind == "fixed":
        text = t(lang, "growth.promo_credited", code=promo.code, amount=c.rub(credit))
    else:
        text = t(lang, "growth.promo_percent", code=promo.code, percent=promo.percent)
    outcome = show(req.event, session, _promo_screen(lang, text))
    effect = RedeemPromo(promo.code, req.event.user_id, credit if promo.kind == "fixed" else 0)
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(effect,))


def _promo_command_needs(event: Incoming, payload: object, session: Session) -> Needs:
    code = promo_code(event.args)
    return Needs(promo_code=code) if code else NOTHING


def _promo_text_needs(event: Incoming, payload: object, session: Session) -> Needs:
    code = promo_code(event.text or "") if event.kind == "text" else ""
    return Needs(promo_code=code) if code else NOTHING


# --- promo codes (admin) -----------------------------------------------------------------------------


def promo_line(promo: PromoView) -> str:
    what = c.rub(promo.amount_kopecks or 0) if promo.kind == "fixed" else f"+{promo.percent} %"
    uses = f"{promo.used}/{promo.max_uses}" if promo.max_uses is not None else f"{promo.used}/∞"
    until = c.when(promo.expires_at) if promo.expires_at is not None else "∞"
    new = " · new" if promo.new_users_only else ""
    return f"<code>{promo.code}</code> · {what} · {uses} · {until}{new}"


def promos_screen(
    req: Request, *, notice: str | None = None, promos: tuple[PromoView, ...] | None = None
) -> Screen:
    lines = [notice, ""] if notice else []
    lines.append(t(LANG, "growth.admin_promos"))
    shown = req.loaded.promos if promos is None else promos
    lines += [promo_line(p) for p in shown] or [t(LANG, "growth.admin_no_promos")]
    lines += ["", t(LANG, "growth.admin_syntax")]
    return Screen(text="\n".join(lines), buttons=(home_row(),))


def open_promos(req: Request) -> Outcome:
    return show(req.event, panel(req.session), promos_screen(req))


def parse_new_promo(args: str, now: dt.datetime) -> PromoView | str:
    """`CODE 150` (rubles, `150,50` too) or `CODE 10%`, then optional `uses=N`, `days=N`, `new`.
    Returns the code or the key of what is wrong."""
    words = args.split()
    if len(words) < 2:
        return "growth.admin_bad_syntax"
    code, value, options = promo_code(words[0]), words[1].replace(",", "."), words[2:]
    if not PROMO_CODE.match(code):
        return "growth.admin_bad_code"
    amount = percent = None
    try:
        if value.endswith("%"):
            percent = int(value[:-1])
            if not 1 <= percent <= 100:
                return "growth.admin_bad_value"
        else:
            amount = round(float(value) * 100)
            if not 1 <= amount <= 100_000_00:
                return "growth.admin_bad_value"
        uses = days = None
        new = False
        for option in options:
            if option.startswith("uses="):
                uses = int(option[5:])
            elif option.startswith("days="):
                days = int(option[5:])
            elif option == "new":
                new = True
            else:
                return "growth.admin_bad_syntax"
    except ValueError:
        return "growth.admin_bad_value"
    if (uses is not None and not 1 <= uses <= 1_000_000) or (days is not None and not 1 <= days <= 3650):
        return "growth.admin_bad_value"
    return PromoView(
        code=code,
        kind="percent" if percent is not None else "fixed",
        amount_kopecks=amount,
        percent=percent,
        max_uses=uses,
        used=0,
        expires_at=now + dt.timedelta(days=days) if days is not None else None,
        new_users_only=new,
    )


def new_promo(req: Request) -> Outcome:
    parsed = parse_new_promo(req.event.args, req.event.now)
    session = panel(req.session)
    if isinstance(parsed, str):
        return show(req.event, session, promos_screen(req, notice=t(LANG, parsed)))
    lookup = req.loaded.promo
    if lookup is not None and lookup.promo is not None:
        return show(
            req.event, session, promos_screen(req, notice=t(LANG, "growth.admin_exists", code=parsed.code))
        )
    notice = t(LANG, "growth.admin_created", line=promo_line(parsed))
    outcome = show(req.event, session, promos_screen(req, notice=notice))
    return Outcome(
        session=outcome.session, actions=outcome.actions, effects=(CreatePromo(parsed, req.event.user_id),)
    )


def end_promo(req: Request) -> Outcome:
    """`/endpromo CODE`: the code stops working now (a leaked or mistaken one); what users already got
    stays theirs. The list shows the code ended at once."""
    session, lookup = panel(req.session), req.loaded.promo
    if lookup is None:
        return show(req.event, session, promos_screen(req, notice=t(LANG, "growth.admin_end_syntax")))
    promo = lookup.promo
    if promo is None or (promo.expires_at is not None and promo.expires_at <= lookup.now):
        key = "growth.admin_end_unknown" if promo is None else "growth.admin_end_already"
        notice = t(LANG, key, code=html.escape(lookup.code))
        return show(req.event, session, promos_screen(req, notice=notice))
    ended = msgspec.structs.replace(promo, expires_at=lookup.now)
    shown = tuple(ended if p.code == ended.code else p for p in req.loaded.promos)
    notice = t(LANG, "growth.admin_ended", line=promo_line(ended))
    outcome = show(req.event, session, promos_screen(req, notice=notice, promos=shown))
    return Outcome(session=outcome.session, actions=outcome.actions, effects=(EndPromo(ended.code),))


def _admin_promo_needs(event: Incoming, payload: object, session: Session) -> Needs:
    words = event.args.split()
    return Needs(promo_code=promo_code(words[0]), promos=True) if words else Needs(promos=True)


def _needs(**fields: object):
    constant = Needs(**fields)  # type: ignore[arg-type]
    return lambda event, payload, session: constant


def declarations() -> tuple[Declaration, ...]:
    invite = Route(
        "open_invite", open_invite, needs=_needs(referral=True), target=INVITE, label="🎁 Пригласить друга"
    )
    ask = Route("ask_promo", ask_promo, target=PROMO, label="🎟 Промокод")
    promo_command = Route(
        "promo_command", redeem, needs=_promo_command_needs, target=PROMO, label="/promo CODE"
    )
    return (
        OnCallback(OpenInvite, invite),
        OnCommand(("invite",), invite),
        OnCommand(
            ("start",),
            Route(
                "referral_start", referral_start, needs=_start_needs, target="menu", label="/start r-<code>"
            ),
            args_prefix=REF_PREFIX,
        ),
        OnCallback(AskPromo, ask),
        OnCommand(("promo",), promo_command),
        OnMessage(PROMO, Route("promo_input", redeem, needs=_promo_text_needs)),
        OnCallback(
            AdminPromos, Route("admin_promos", open_promos, needs=_needs(promos=True), admin_only=True)
        ),
        OnCommand(("newpromo",), Route("new_promo", new_promo, needs=_admin_promo_needs, admin_only=True)),
        OnCommand(("endpromo",), Route("end_promo", end_promo, needs=_admin_promo_needs, admin_only=True)),
    )
