"""Draws the course diagrams with Pillow: python content/tools/make_diagrams.py content/grok4-applied"""

import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(sys.argv[1])
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
INK = (31, 41, 55)
MUTED = (75, 85, 99)
WHITE = (255, 255, 255)
BLUE = (219, 234, 254)
BLUE_D = (29, 78, 216)
GREEN = (220, 252, 231)
GREEN_D = (21, 128, 61)
AMBER = (254, 243, 199)
AMBER_D = (180, 83, 9)
RED = (254, 226, 226)
RED_D = (185, 28, 28)
GREY = (243, 244, 246)
GREY_D = (107, 114, 128)
PURPLE = (237, 233, 254)
PURPLE_D = (109, 40, 217)


def f(size, bold=False, mono=False):
    return ImageFont.truetype(MONO if mono else (BOLD if bold else FONT), size)


def canvas(w, h):
    img = Image.new("RGB", (w, h), WHITE)
    return img, ImageDraw.Draw(img)


def text_center(d, cx, cy, lines, fonts, fill=INK, gap=8):
    heights = [
        d.textbbox((0, 0), t, font=fo)[3] - d.textbbox((0, 0), t, font=fo)[1]
        for t, fo in zip(lines, fonts, strict=True)
    ]
    total = sum(heights) + gap * (len(lines) - 1)
    y = cy - total / 2
    for t, fo, h in zip(lines, fonts, heights, strict=True):
        w = d.textlength(t, font=fo)
        top = d.textbbox((0, 0), t, font=fo)[1]
        d.text((cx - w / 2, y - top), t, font=fo, fill=fill)
        y += h + gap


def box(d, x, y, w, h, fill, outline, title, body=(), tsize=30, bsize=22, mono_body=False):
    d.rounded_rectangle((x, y, x + w, y + h), radius=18, fill=fill, outline=outline, width=4)
    lines = [title] + list(body)
    fonts = [f(tsize, bold=True)] + [f(bsize, mono=mono_body)] * len(body)
    text_center(d, x + w / 2, y + h / 2, lines, fonts)


def arrow(d, p1, p2, color=INK, width=5, head=18):
    d.line([p1, p2], fill=color, width=width)
    ang = math.atan2(p2[1] - p1[1], p2[0] - p1[0])
    a1 = (p2[0] - head * math.cos(ang - 0.45), p2[1] - head * math.sin(ang - 0.45))
    a2 = (p2[0] - head * math.cos(ang + 0.45), p2[1] - head * math.sin(ang + 0.45))
    d.polygon([p2, a1, a2], fill=color)


def label(d, x, y, t, size=22, fill=MUTED, bold=False, anchor="la", mono=False):
    d.text((x, y), t, font=f(size, bold=bold, mono=mono), fill=fill, anchor=anchor)


def title(d, w, t):
    d.text((w / 2, 40), t, font=f(38, bold=True), fill=INK, anchor="mm")


def save(img, rel):
    path = ROOT / rel
    img.save(path, optimize=True)
    print(path, img.size)


# 1. Model timeline ------------------------------------------------------------
def model_timeline():
    W, H = 1600, 640
    img, d = canvas(W, H)
    title(d, W, "Grok 4 family timeline and the May 2026 retirements")
    y = 330
    x0, x1 = 90, 1510
    d.line([(x0, y), (x1, y)], fill=INK, width=6)
    events = [
        (215, "Jul 2025", "Grok 4", "grok-4-0709", RED, RED_D, "up"),
        (445, "Sep 2025", "Grok 4 Fast", "grok-4-fast-*", RED, RED_D, "down"),
        (680, "Nov 2025", "Grok 4.1 / 4.1 Fast", "grok-4-1-fast-*", RED, RED_D, "up"),
        (915, "Mar 2026", "Grok 4.20", "grok-4.20-*", GREEN, GREEN_D, "down"),
        (1150, "Apr-May 2026", "Grok 4.3", "grok-4.3", GREEN, GREEN_D, "up"),
    ]
    for x, when, name, slug, fill, out, side in events:
        d.ellipse((x - 14, y - 14, x + 14, y + 14), fill=out)
        bw, bh = 290, 110
        by = y - 60 - bh if side == "up" else y + 60
        d.line([(x, y), (x, by + (bh if side == "up" else 0))], fill=out, width=3)
        box(d, x - bw / 2, by, bw, bh, fill, out, name, [when, slug], tsize=26, bsize=21)
    # retirement marker
    rx = 1390
    d.line([(rx, 110), (rx, 560)], fill=RED_D, width=5)
    label(d, rx, 585, "15 May 2026: retired", size=26, fill=RED_D, bold=True, anchor="mm")
    label(d, rx, 618, "old slugs now served by grok-4.3", size=21, fill=RED_D, anchor="mm")
    # legend
    d.rounded_rectangle((90, 560, 120, 590), radius=6, fill=RED, outline=RED_D, width=3)
    label(d, 130, 575, "retired slugs (still resolve to grok-4.3)", size=21, anchor="lm")
    d.rounded_rectangle((620, 560, 650, 590), radius=6, fill=GREEN, outline=GREEN_D, width=3)
    label(d, 660, 575, "current", size=21, anchor="lm")
    save(img, "01-fundamentals/model-timeline.png")


# 2. Prompt anatomy ------------------------------------------------------------
def prompt_anatomy():
    W, H = 1500, 860
    img, d = canvas(W, H)
    title(d, W, "Anatomy of a precise prompt")
    parts = [
        (
            "Role",
            "Who the model is, and for whom it works",
            "You are a support triage assistant for Acme Cloud.",
            BLUE,
            BLUE_D,
        ),
        (
            "Task",
            "One clear verb and its object; numbered steps",
            "Classify one ticket and summarise it.",
            PURPLE,
            PURPLE_D,
        ),
        (
            "Context",
            "Facts, data, definitions, today's date",
            "P1 = no access at all ...   <ticket> ... </ticket>",
            AMBER,
            AMBER_D,
        ),
        (
            "Output format",
            "The exact shape of the answer",
            '{"priority": "P1|P2|P3", "area": ..., "summary": ...}',
            GREEN,
            GREEN_D,
        ),
    ]
    y = 100
    for name, what, example, fill, out in parts:
        d.rounded_rectangle((60, y, 1440, y + 170), radius=18, fill=fill, outline=out, width=4)
        d.text((100, y + 45), name, font=f(34, bold=True), fill=out, anchor="lm")
        d.text((100, y + 95), what, font=f(24), fill=INK, anchor="lm")
        d.text((100, y + 135), example, font=f(22, mono=True), fill=MUTED, anchor="lm")
        y += 185
    save(img, "02-precision-prompting/prompt-anatomy.png")


# 3. Iteration loop ------------------------------------------------------------
def iteration_loop():
    W, H = 1400, 860
    img, d = canvas(W, H)
    title(d, W, "Iterating on a prompt with test cases")
    cx, cy, r = 700, 470, 270
    steps = [
        ("1. Run", ["every test case,", "model and settings pinned"], BLUE, BLUE_D),
        ("2. Score", ["deterministic checks,", "then the rubric"], GREEN, GREEN_D),
        ("3. Read failures", ["find the pattern", "behind them"], AMBER, AMBER_D),
        ("4. Change one thing", ["keep it only if", "the score improves"], PURPLE, PURPLE_D),
    ]
    angles = [-90, 0, 90, 180]
    centres = [(cx + r * math.cos(math.radians(a)) * 1.45, cy + r * math.sin(math.radians(a))) for a in angles]
    bw, bh = 400, 150
    for (name, body, fill, out), (x, y) in zip(steps, centres, strict=True):
        box(d, x - bw / 2, y - bh / 2, bw, bh, fill, out, name, body, tsize=28, bsize=22)
    # arrows between boxes (clockwise)
    pts = [
        ((centres[0][0] + bw / 2, centres[0][1]), (centres[1][0], centres[1][1] - bh / 2)),
        ((centres[1][0], centres[1][1] + bh / 2), (centres[2][0] + bw / 2, centres[2][1])),
        ((centres[2][0] - bw / 2, centres[2][1]), (centres[3][0], centres[3][1] + bh / 2)),
        ((centres[3][0], centres[3][1] - bh / 2), (centres[0][0] - bw / 2, centres[0][1])),
    ]
    for p1, p2 in pts:
        mid = (p2[0], p1[1]) if abs(p1[1] - centres[0][1]) < 1 or abs(p1[1] - centres[2][1]) < 1 else (p1[0], p2[1])
        d.line([p1, mid], fill=INK, width=5)
        arrow(d, mid, p2)
    text_center(
        d, cx, cy, ["Test set", "typical, edge and", "adversarial cases"], [f(28, bold=True), f(22), f(22)], fill=MUTED
    )
    save(img, "02-precision-prompting/prompt-iteration-loop.png")


# 4. Function-calling round trip ----------------------------------------------
def function_round_trip():
    W, H = 1600, 900
    img, d = canvas(W, H)
    title(d, W, "Function calling: one question, two API calls")
    ax, mx = 260, 1340
    d.rounded_rectangle((ax - 170, 90, ax + 170, 170), radius=16, fill=BLUE, outline=BLUE_D, width=4)
    text_center(d, ax, 130, ["Your application"], [f(30, bold=True)])
    d.rounded_rectangle((mx - 170, 90, mx + 170, 170), radius=16, fill=PURPLE, outline=PURPLE_D, width=4)
    text_center(d, mx, 130, ["Grok (xAI API)"], [f(30, bold=True)])
    for x, c in ((ax, BLUE_D), (mx, PURPLE_D)):
        d.line([(x, 170), (x, 860)], fill=c, width=3)
    rows = [
        (240, "right", "1  messages + tools (get_weather), tool_choice: auto", None),
        (
            340,
            "left",
            "2  finish_reason: tool_calls",
            'tool_calls: [{id: "call_1", name: "get_weather", arguments: "{\\"city\\":\\"Oslo\\"}"}]',
        ),
        (470, "self", '3  parse arguments, validate, run get_weather("Oslo")', None),
        (
            590,
            "right",
            "4  same messages + assistant tool_calls message",
            '+ {role: "tool", tool_call_id: "call_1", content: "{\\"rain_chance_pct\\": 80}"}',
        ),
        (730, "left", "5  finish_reason: stop", 'content: "Pack an umbrella for Oslo: 80% chance of rain."'),
    ]
    for y, direction, text, sub in rows:
        if direction == "right":
            arrow(d, (ax + 6, y), (mx - 6, y), color=BLUE_D)
        elif direction == "left":
            arrow(d, (mx - 6, y), (ax + 6, y), color=PURPLE_D)
        else:
            d.rounded_rectangle((ax - 200, y - 45, ax + 620, y + 45), radius=14, fill=AMBER, outline=AMBER_D, width=3)
        tx = ax + 30 if direction != "self" else ax - 180
        d.text(
            (tx, y - 14 if direction != "self" else y),
            text,
            font=f(24, bold=True),
            fill=INK,
            anchor="ls" if direction != "self" else "lm",
        )
        if sub:
            d.text((ax + 30, y + 36), sub, font=f(19, mono=True), fill=MUTED, anchor="ls")
    label(d, 800, 870, "The model never runs your code: it asks, you run, you answer.", size=24, fill=INK, anchor="mm")
    save(img, "03-tool-use/function-calling-round-trip.png")


# 5. Agent tool loop -------------------------------------------------------------
def agent_tool_loop():
    W, H = 1600, 860
    img, d = canvas(W, H)
    title(d, W, "Server-side agent tools on POST /v1/responses")
    box(d, 60, 330, 330, 200, BLUE, BLUE_D, "Your application", ["one request:", "input + tools"], tsize=28)
    d.rounded_rectangle((520, 110, 1540, 800), radius=24, fill=GREY, outline=GREY_D, width=4)
    label(d, 550, 140, "Inside xAI: the server runs the loop", size=26, fill=GREY_D, bold=True)
    box(
        d,
        600,
        330,
        300,
        200,
        PURPLE,
        PURPLE_D,
        "Grok model",
        ["decides: search more,", "run code, or answer"],
        tsize=28,
    )
    tools = [("web_search", 235), ("x_search", 360), ("code_interpreter", 485), ("file_search (collections)", 610)]
    for name, y in tools:
        box(d, 1080, y - 50, 420, 100, GREEN, GREEN_D, name, [], tsize=25)
        arrow(d, (900, 430 - 25), (1080, y - 12), color=PURPLE_D, width=3, head=14)
        arrow(d, (1080, y + 12), (900, 430 + 25), color=GREEN_D, width=3, head=14)
    label(d, 990, 720, "tool calls out, results back in, until the answer is ready", size=22, fill=INK, anchor="mm")
    arrow(d, (390, 400), (600, 400), color=BLUE_D)
    arrow(d, (600, 470), (390, 470), color=PURPLE_D)
    d.rounded_rectangle((40, 580, 480, 820), radius=16, fill=WHITE, outline=INK, width=3)
    label(d, 60, 600, "One response back:", size=24, fill=INK, bold=True)
    for i, t in enumerate(
        [
            "web_search_call items",
            "  (name + arguments)",
            "message: output_text +",
            "  url_citation annotations",
            "usage: server-side tool counts",
        ]
    ):
        label(d, 60, 640 + i * 34, t, size=21, fill=MUTED)
    save(img, "03-tool-use/agent-tool-loop.png")


# 6. Sign-ups chart (worked example input) --------------------------------------
def signups_chart():
    W, H = 1400, 820
    img, d = canvas(W, H)
    d.text((W / 2, 50), "Monthly sign-ups, January to June 2026", font=f(36, bold=True), fill=INK, anchor="mm")
    data = [("Jan", 1200), ("Feb", 1350), ("Mar", 1500), ("Apr", 900), ("May", 1650), ("Jun", 1800)]
    left, right, top, bottom = 170, 1340, 120, 700
    vmax = 2000
    for v in range(0, vmax + 1, 500):
        y = bottom - (bottom - top) * v / vmax
        d.line([(left, y), (right, y)], fill=(229, 231, 235), width=2)
        d.text((left - 15, y), f"{v:,}", font=f(22), fill=MUTED, anchor="rm")
    d.line([(left, top), (left, bottom)], fill=INK, width=3)
    d.line([(left, bottom), (right, bottom)], fill=INK, width=3)
    slot = (right - left) / len(data)
    for i, (m, v) in enumerate(data):
        x0 = left + i * slot + slot * 0.2
        x1 = left + (i + 1) * slot - slot * 0.2
        y = bottom - (bottom - top) * v / vmax
        d.rectangle((x0, y, x1, bottom), fill=(37, 99, 235))
        d.text(((x0 + x1) / 2, y - 14), f"{v:,}", font=f(24, bold=True), fill=INK, anchor="mb")
        d.text(((x0 + x1) / 2, bottom + 30), m, font=f(24), fill=INK, anchor="mm")
    d.text((left, top - 20), "sign-ups", font=f(22), fill=MUTED, anchor="lm")
    d.text((W / 2, 790), "month (2026)", font=f(22), fill=MUTED, anchor="mm")
    save(img, "05-vision/signups-chart.png")


# 7. Injection defence layers -------------------------------------------------
def injection_defences():
    W, H = 1500, 1000
    img, d = canvas(W, H)
    title(d, W, "Layered defences against prompt injection")
    layers = [
        ("4  Validate outputs before acting", "schema, allow-lists, escaping, human confirmation", RED, RED_D),
        ("3  Least privilege for tools", "only needed tools, narrow scopes, authorisation in code", AMBER, AMBER_D),
        ("2  Rules in the system prompt", "data is never instructions; report attempts", PURPLE, PURPLE_D),
        ("1  Delimit untrusted data", "<email> ... </email>, escape closing markers", BLUE, BLUE_D),
    ]
    cx = W / 2
    for i, (name, sub, fill, out) in enumerate(layers):
        pad = i * 95
        x0, y0, x1, y1 = 60 + pad, 90 + i * 100, W - 60 - pad, H - 30 - i * 100
        d.rounded_rectangle((x0, y0, x1, y1), radius=28, fill=fill, outline=out, width=5)
        d.text((cx, y0 + 34), name, font=f(27, bold=True), fill=out, anchor="mm")
        d.text((cx, y0 + 68), sub, font=f(21), fill=INK, anchor="mm")
    d.rounded_rectangle((cx - 170, 520, cx + 170, 610), radius=20, fill=WHITE, outline=INK, width=4)
    d.text((cx, 565), "Model", font=f(32, bold=True), fill=INK, anchor="mm")
    save(img, "06-responsible-use/injection-defences.png")


for fn in (
    model_timeline,
    prompt_anatomy,
    iteration_loop,
    function_round_trip,
    agent_tool_loop,
    signups_chart,
    injection_defences,
):
    fn()
