// sufler's QA report: renders the data embedded in this file, one view at
// a time (the batch, an operator, a team, a page of calls, one call), so
// that a week of a large centre's calls stays quick to open. Works offline:
// nothing is fetched but the calls' own recordings.
"use strict";

const DATA = JSON.parse(document.getElementById("data").textContent);
const PAGE = 50;

const LABELS = {
  ru: {
    title: "Отчёт о качестве звонков", summary: "Сводка", operators: "Операторы", teams: "Команды", calls: "Звонки",
    nCalls: "звонков", scored: "оценено", errors: "с ошибками", mean: "средний балл", passRate: "прошли", violations: "нарушений",
    top: "Частые нарушения", operator: "Оператор", team: "Команда", call: "Звонок", start: "Начало", score: "Балл",
    passed: "Итог", pass: "прошёл", fail: "не прошёл", na: "не применимо", byDay: "По дням", count: "Сколько",
    scorecard: "Оценочный лист", item: "Пункт", evidence: "Основание", metrics: "Метрики разговора",
    timeline: "Ход разговора", transcript: "Расшифровка", flags: "Замечания", suggest: "Лучше сказать",
    talk: "Доля речи", wpm: "Слов в минуту", pace: "Темп оператора к темпу клиента", deadAir: "Паузы", overtalk: "Одновременная речь",
    interruptions: "Перебивания", monologue: "Самый долгий монолог", duration: "Длительность", missing: "не прозвучало",
    operatorParty: "Оператор", clientParty: "Клиент", page: "Страница", of: "из", prev: "← назад", next: "вперёд →",
    failedBy: "провален критическим пунктом", none: "нет", day: "День", noAudio: "запись не найдена",
    unscored: "не оценён: нет речи оператора", section: "Раздел", weight: "вес", sec: "с",
    guessed: "расслышано ненадёжно: запрещённые фразы оператора здесь не отмечаются",
  },
  cs: {
    title: "Zpráva o kvalitě hovorů", summary: "Souhrn", operators: "Operátoři", teams: "Týmy", calls: "Hovory",
    nCalls: "hovorů", scored: "hodnoceno", errors: "s chybou", mean: "průměrné skóre", passRate: "prošlo", violations: "porušení",
    top: "Nejčastější porušení", operator: "Operátor", team: "Tým", call: "Hovor", start: "Začátek", score: "Skóre",
    passed: "Výsledek", pass: "prošel", fail: "neprošel", na: "netýká se", byDay: "Po dnech", count: "Počet",
    scorecard: "Hodnoticí formulář", item: "Položka", evidence: "Doklad", metrics: "Metriky hovoru",
    timeline: "Průběh hovoru", transcript: "Přepis", flags: "Zjištění", suggest: "Lépe říct",
    talk: "Podíl řeči", wpm: "Slov za minutu", pace: "Tempo operátora vůči klientovi", deadAir: "Pauzy", overtalk: "Souběžná řeč",
    interruptions: "Skákání do řeči", monologue: "Nejdelší monolog", duration: "Délka", missing: "nezaznělo",
    operatorParty: "Operátor", clientParty: "Klient", page: "Strana", of: "z", prev: "← zpět", next: "dál →",
    failedBy: "neprošel kvůli kritické položce", none: "žádné", day: "Den", noAudio: "nahrávka nenalezena",
    unscored: "nehodnocen: operátor nemluvil", section: "Sekce", weight: "váha", sec: "s",
    guessed: "rozpoznáno nespolehlivě: zakázané fráze operátora se zde neoznačují",
  },
};
const L = LABELS[DATA.lang] || LABELS.ru;
document.documentElement.lang = DATA.lang || "ru";

const esc = (s) => String(s == null ? "" : s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const clock = (t) => {
  t = Math.max(0, t || 0);
  const m = Math.floor(t / 60), s = t - m * 60;
  return `${String(m).padStart(2, "0")}:${s.toFixed(1).padStart(4, "0")}`;
};
const num = (x, d = 1) => (x == null ? "—" : Number(x).toFixed(d));
const pct = (x) => (x == null ? "—" : `${Math.round(x * 100)} %`);
const verdict = (p) => (p == null ? `<span class="na">—</span>` : p ? `<span class="pass">${L.pass}</span>` : `<span class="fail">${L.fail}</span>`);
const link = (route, text) => `<a href="#/${route}">${esc(text)}</a>`;
const enc = encodeURIComponent;
const score = (c) => {
  const s = c.summary || {};
  return s.scorecard && s.scorecard.score != null ? s.scorecard.score : s.score;
};
const passed = (c) => (c.summary && c.summary.scorecard ? c.summary.scorecard.passed : null);

function stats(g) {
  const stat = (key, value, label) => `<div class="stat"><b data-stat="${key}">${value}</b><span>${label}</span></div>`;
  return `<div class="stats">
    ${stat("calls", g.calls, L.nCalls)}${stat("scored", g.scored, L.scored)}
    ${stat("mean_score", num(g.mean_score), L.mean)}${stat("pass_rate", pct(g.pass_rate), L.passRate)}
    ${stat("violations", g.violations, L.violations)}${stat("errors", g.errors, L.errors)}</div>`;
}

function topTable(g) {
  if (!g.top.length) return "";
  const rows = g.top.map(([name, n]) => `<tr><td>${esc(name)}</td><td class="num">${n}</td></tr>`).join("");
  return `<h3>${L.top}</h3><table class="top"><tr><th>${L.violations}</th><th class="num">${L.count}</th></tr>${rows}</table>`;
}

function groupTable(groups, kind) {
  const rows = groups.map((g) => `<tr><td>${link(`${kind}/${enc(g.name)}`, g.name)}</td>${kind === "operator" ? `<td>${esc(g.team || "")}</td>` : ""}
    <td class="num">${g.calls}</td><td class="num">${num(g.mean_score)}</td><td class="num">${pct(g.pass_rate)}</td>
    <td>${esc(g.top.slice(0, 3).map(([n, k]) => `${n} (${k})`).join(", "))}</td></tr>`).join("");
  const team = kind === "operator" ? `<th>${L.team}</th>` : "";
  return `<table class="groups"><tr><th>${kind === "operator" ? L.operator : L.team}</th>${team}<th class="num">${L.calls}</th>
    <th class="num">${L.mean}</th><th class="num">${L.passRate}</th><th>${L.top}</th></tr>${rows}</table>`;
}

// A trend of mean scores by day, as an inline chart.
function trend(days) {
  const pts = days.filter((d) => d.mean_score != null);
  if (!pts.length) return "";
  const W = 640, H = 160, pad = 30;
  const x = (i) => pad + (pts.length === 1 ? (W - 2 * pad) / 2 : (i * (W - 2 * pad)) / (pts.length - 1));
  const y = (s) => H - pad - (s / 100) * (H - 2 * pad);
  const line = pts.map((d, i) => `${x(i)},${y(d.mean_score)}`).join(" ");
  const dots = pts.map((d, i) => `<circle cx="${x(i)}" cy="${y(d.mean_score)}" r="3.5" fill="#2453b3"><title>${esc(d.day)}: ${num(d.mean_score)} (${d.calls})</title></circle>
    <text x="${x(i)}" y="${H - 8}" text-anchor="middle">${esc(d.day.slice(5))}</text><text x="${x(i)}" y="${y(d.mean_score) - 8}" text-anchor="middle">${num(d.mean_score, 0)}</text>`).join("");
  return `<h3>${L.byDay}</h3><svg class="trend" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">
    <line x1="${pad}" y1="${y(0)}" x2="${W - pad}" y2="${y(0)}" stroke="#ccd"/><line x1="${pad}" y1="${y(100)}" x2="${W - pad}" y2="${y(100)}" stroke="#eef"/>
    <polyline points="${line}" fill="none" stroke="#2453b3" stroke-width="2"/>${dots}</svg>`;
}

function callTable(members, route, page) {
  const pages = Math.max(1, Math.ceil(members.length / PAGE));
  page = Math.min(Math.max(1, page || 1), pages);
  const rows = members.slice((page - 1) * PAGE, page * PAGE).map((i) => {
    const c = DATA.calls[i];
    const s = c.summary || {};
    return `<tr><td>${link(`call/${i}`, c.call_id || c.call)}</td><td>${esc(c.operator || "")}</td><td>${esc(c.team || "")}</td>
      <td>${esc(c.start || "")}</td><td class="num">${num(score(c))}</td><td>${c.errors && c.errors.length ? `<span class="fail">${esc(c.errors[0])}</span>` : verdict(passed(c))}</td>
      <td class="num">${s.violations != null ? esc(s.violations) : "—"}</td></tr>`;
  }).join("");
  const pager = pages > 1 ? `<div class="pager">${page > 1 ? link(`${route}/${page - 1}`, L.prev) : ""}<span>${L.page} ${page} ${L.of} ${pages}</span>${page < pages ? link(`${route}/${page + 1}`, L.next) : ""}</div>` : "";
  return `${pager}<table class="calls"><tr><th>${L.call}</th><th>${L.operator}</th><th>${L.team}</th><th>${L.start}</th><th class="num">${L.score}</th>
    <th>${L.passed}</th><th class="num">${L.violations}</th></tr>${rows}</table>${pager}`;
}

function summaryView() {
  const b = DATA.stats.batch;
  return `<h2>${L.summary}</h2>${stats(b)}${trend(b.days)}<div class="grid"><div>${topTable(b)}</div>
    <div><h3>${L.teams}</h3>${groupTable(DATA.stats.teams, "team")}</div></div>
    <h3>${L.operators}</h3>${groupTable(DATA.stats.operators, "operator")}`;
}

function groupView(kind, name, page) {
  const list = kind === "operator" ? DATA.stats.operators : DATA.stats.teams;
  const g = list.find((x) => x.name === name);
  if (!g) return `<p>${esc(name)}?</p>`;
  const title = kind === "operator" ? L.operator : L.team;
  return `<h2>${title}: ${esc(g.name)}${g.team && kind === "operator" ? ` <span class="meta">(${esc(g.team)})</span>` : ""}</h2>
    ${stats(g)}${trend(g.days)}${topTable(g)}<h3>${L.calls}</h3>${callTable(g.members, `${kind}/${enc(name)}`, page)}`;
}

// Where in the call things happened: each party's speech, silences,
// overlaps and the flags, on one time axis.
function timeline(c) {
  const s = c.summary || {};
  const m = s.metrics || {};
  const dur = Math.max(s.duration || 0, ...c.utterances.map((u) => u.end), ...c.flags.map((f) => f.end), 1);
  const W = 1000, left = 70, right = 10, row = { operator: 24, client: 60 };
  const x = (t) => left + (t / dur) * (W - left - right);
  const band = (p, cls) => `<rect class="${cls}" x="${x(p.start)}" y="12" width="${Math.max(1, x(p.end) - x(p.start))}" height="66"><title>${clock(p.start)}–${clock(p.end)}</title></rect>`;
  const speech = c.utterances.map((u) => `<rect class="${u.speaker === "client" ? "cl" : "op"}" x="${x(u.start)}" y="${row[u.speaker] - 8}" width="${Math.max(1, x(u.end) - x(u.start))}" height="16"><title>${clock(u.start)} ${esc(u.text)}</title></rect>`).join("");
  const flags = c.flags.map((f, i) => {
    const cx = x(f.start), cy = row[f.speaker] || row.operator;
    return `<g class="flag ${esc(f.type)}" data-flag="${i}" data-start="${Number(f.start)}" tabindex="0"><path d="M${cx},${cy - 14} l7,-12 h-14 z"/><title>${clock(f.start)} ${esc(f.message)}</title></g>`;
  }).join("");
  const step = [5, 10, 15, 30, 60, 120, 300, 600].find((st) => dur / st <= 12) || 1200;
  let ticks = "";
  for (let t = 0; t <= dur; t += step) ticks += `<line x1="${x(t)}" y1="80" x2="${x(t)}" y2="84" stroke="#99a"/><text x="${x(t)}" y="96" text-anchor="middle">${clock(t).slice(0, 5)}</text>`;
  return `<svg class="timeline" viewBox="0 0 ${W} 104" role="img">
    <text x="4" y="${row.operator + 4}">${L.operatorParty}</text><text x="4" y="${row.client + 4}">${L.clientParty}</text>
    ${(m.dead_air || []).map((p) => band(p, "dead")).join("")}${(m.overtalk || []).map((p) => band(p, "over")).join("")}
    ${speech}${flags}${ticks}</svg>
    <div class="legend"><span><i style="background:var(--op)"></i>${L.operatorParty}</span><span><i style="background:var(--cl)"></i>${L.clientParty}</span>
    <span><i style="background:#bbb"></i>${L.deadAir}</span><span><i style="background:#f39c12"></i>${L.overtalk}</span></div>`;
}

// The utterances in time order, each flag once: a phrase marked where it
// was said, a step not said as a note at the place it should have been.
function transcript(c) {
  const placed = new Set();
  const items = c.utterances.map((u) => {
    let html = esc(u.text);
    c.flags.forEach((f, i) => {
      if (placed.has(i) || !f.text || f.speaker !== u.speaker || f.start < u.start - 0.5 || f.start > u.end + 0.5) return;
      const at = html.toLowerCase().indexOf(esc(f.text).toLowerCase());
      const mark = (t) => `<mark class="flag ${esc(f.type)}" data-flag="${i}" data-start="${Number(f.start)}" title="${esc(f.message)}${f.suggest ? ` — ${esc(L.suggest)}: ${esc(f.suggest)}` : ""}">${t}</mark>`;
      if (at >= 0) {
        const len = esc(f.text).length;
        html = html.slice(0, at) + mark(html.slice(at, at + len)) + html.slice(at + len);
      } else {
        html += " " + mark(esc(f.text));
      }
      placed.add(i);
    });
    // Words the recogniser itself did not trust: shown apart, and why.
    const said = u.guessed === true ? `<span class="guessed" title="${esc(L.guessed)}">${html}</span>` : `<span>${html}</span>`;
    return { t: u.start, html: `<div class="utt"><span class="t" data-start="${Number(u.start)}">${clock(u.start)}</span><span class="who ${esc(u.speaker)}">${u.speaker === "client" ? L.clientParty : L.operatorParty}</span>${said}</div>` };
  });
  c.flags.forEach((f, i) => {
    if (placed.has(i)) return;
    const said = f.text ? `«${esc(f.text)}» ` : `(${L.missing}) `;
    items.push({ t: f.start, html: `<span class="note ${esc(f.type)}" data-flag="${i}" data-start="${Number(f.start)}">${clock(f.start)} ${said}${esc(f.message)}${f.suggest ? ` — <span class="suggest">${esc(L.suggest)}: ${esc(f.suggest)}</span>` : ""}</span>` });
  });
  items.sort((a, b) => a.t - b.t);
  return `<div class="transcript">${items.map((i) => i.html).join("")}</div>`;
}

function scorecard(c) {
  const card = (c.summary || {}).scorecard;
  if (!card) return "";
  const status = (s) => ({ pass: `<span class="pass">✓ ${L.pass}</span>`, fail: `<span class="fail">✗ ${L.fail}</span>`, not_applicable: `<span class="na">${L.na}</span>` })[s] || esc(s);
  const evidence = (e) => {
    if (!e) return "";
    const t = e.at != null ? `<span class="t" data-start="${Number(e.at)}">${clock(e.at)}</span> ` : "";
    return t + (e.text ? `«${esc(e.text)}»` : "") + (e.value != null ? ` ${num(e.value, 2)}` : "");
  };
  const rows = card.sections.map((s) => `<tr><th colspan="2">${esc(s.title)} <span class="meta">(${L.weight} ${esc(s.weight)})</span></th><th class="num">${num(s.score, 0)}</th></tr>` +
    s.items.map((i) => `<tr class="item item-${esc(i.status)}"><td>${esc(i.title)}</td><td>${evidence(i.evidence)}</td><td class="num">${status(i.status)}</td></tr>`).join("")).join("");
  const failed = card.failed_by ? `<p class="fail">${L.failedBy}: ${esc(card.failed_by)}</p>` : "";
  return `<h3>${L.scorecard}: ${esc(card.name)} <span class="meta">${esc(card.version)}</span></h3>${failed}
    <table class="scorecard"><tr><th>${L.item}</th><th>${L.evidence}</th><th class="num">${L.score}: <span data-card-score>${num(card.score, 1)}</span></th></tr>${rows}</table>`;
}

function metrics(c) {
  const m = (c.summary || {}).metrics;
  if (!m) return "";
  const row = (label, value) => `<tr><td>${label}</td><td class="num">${value}</td></tr>`;
  const periods = (ps) => (ps && ps.length ? ps.map((p) => `<span class="t" data-start="${Number(p.start)}">${clock(p.start)}</span> ${num(p.end - p.start)} ${L.sec}`).join(", ") : L.none);
  return `<h3>${L.metrics}</h3><table class="metrics">
    ${row(L.talk, `${pct(m.talk_share.operator)} / ${pct(m.talk_share.client)}`)}
    ${row(L.wpm, `${num(m.wpm.operator, 0)} / ${num(m.wpm.client, 0)}`)}
    ${row(L.pace, num(m.pace, 2))}
    ${row(L.deadAir, periods(m.dead_air))}${row(L.overtalk, periods(m.overtalk))}
    ${row(L.interruptions, m.interruptions.length ? m.interruptions.map((i) => `${clock(i.at)} (${i.by === "client" ? L.clientParty : L.operatorParty})`).join(", ") : L.none)}
    ${row(L.monologue, m.monologue ? `${num(m.monologue.end - m.monologue.start)} ${L.sec}` : "—")}</table>`;
}

function callView(i) {
  const c = DATA.calls[i];
  if (!c) return `<p>?</p>`;
  const s = c.summary || {};
  const meta = [c.operator && `${L.operator}: ${link(`operator/${enc(c.operator)}`, c.operator)}`, c.team && `${L.team}: ${link(`team/${enc(c.team)}`, c.team)}`,
    c.start && `${L.start}: ${esc(c.start)}`, s.duration != null && `${L.duration}: ${clock(s.duration)}`,
    ...Object.entries(c.tags || {}).map(([k, v]) => `${esc(k)}: ${esc(v)}`)].filter(Boolean).join(" · ");
  const audio = c.audio ? `<audio controls preload="metadata" src="${esc(c.audio)}"></audio>` : `<p class="meta">${L.noAudio}</p>`;
  const head = s.scored === false ? `<p class="na">${L.unscored}</p>` : `<p>${L.score}: <b data-call-score>${num(score(c))}</b> · ${verdict(passed(c))}</p>`;
  const errors = (c.errors || []).concat(c.warnings || []).map((e) => `<p class="fail">${esc(e)}</p>`).join("");
  const flagList = c.flags.map((f, i) => `<tr class="flagrow ${esc(f.type)}" data-flag="${i}" data-start="${Number(f.start)}"><td><span class="t">${clock(f.start)}</span></td>
    <td>${esc(f.rule)}${f.element ? "." + esc(f.element) : ""}</td><td>${f.text ? `«${esc(f.text)}» ` : ""}${esc(f.message)}</td><td class="suggest">${esc(f.suggest || "")}</td></tr>`).join("");
  return `<h2>${L.call}: ${esc(c.call_id || c.call)}</h2><p class="meta">${esc(c.call)}</p><p class="meta">${meta}</p>${head}${errors}${audio}
    <h3>${L.timeline}</h3>${timeline(c)}
    <div class="grid"><div>${scorecard(c)}</div><div>${metrics(c)}
    <h3>${L.flags}</h3><table class="flags">${flagList || `<tr><td>${L.none}</td></tr>`}</table></div></div>
    <h3>${L.transcript}</h3>${transcript(c)}`;
}

function route() {
  const [view, arg, page] = location.hash.replace(/^#\/?/, "").split("/");
  const main = document.querySelector("main");
  const name = arg ? decodeURIComponent(arg) : "";
  if (view === "operator" || view === "team") main.innerHTML = groupView(view, name, Number(page) || 1);
  else if (view === "operators") main.innerHTML = `<h2>${L.operators}</h2>${groupTable(DATA.stats.operators, "operator")}`;
  else if (view === "teams") main.innerHTML = `<h2>${L.teams}</h2>${groupTable(DATA.stats.teams, "team")}`;
  else if (view === "calls") main.innerHTML = `<h2>${L.calls}</h2>${callTable(DATA.calls.map((_, i) => i), "calls", Number(arg) || 1)}`;
  else if (view === "call") main.innerHTML = callView(Number(arg));
  else main.innerHTML = summaryView();
  window.scrollTo(0, 0);
}

// A click on anything with a time plays the recording from there.
document.addEventListener("click", (e) => {
  const el = e.target.closest("[data-start]");
  const audio = document.querySelector("audio");
  if (!el || !audio) return;
  audio.currentTime = Number(el.dataset.start);
  audio.play().catch(() => {});
  document.querySelectorAll(".current").forEach((x) => x.classList.remove("current"));
  if (el.dataset.flag != null) document.querySelectorAll(`[data-flag="${el.dataset.flag}"]`).forEach((x) => x.classList.add("current"));
});

document.title = L.title;
document.querySelector("header").innerHTML = `<h1>${L.title}</h1><nav>${link("", L.summary)}${link("operators", L.operators)}${link("teams", L.teams)}${link("calls", L.calls)}</nav>`;
window.addEventListener("hashchange", route);
route();
