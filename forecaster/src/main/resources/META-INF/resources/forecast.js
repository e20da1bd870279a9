// The live forecast page: the fleet overview every few seconds, a search over the entities in
// state, and the chosen entity's chart fed by Server-Sent Events from /api/entities/{id}/events.
// window.streamcastPage exposes the chart and the last view, for the page's tests.
'use strict';

const page = { chart: null, lastView: null, source: null, entity: null, lastOverview: null };
window.streamcastPage = page;

const $ = (id) => document.getElementById(id);
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const fmt = (x) => (x === null || x === undefined || Number.isNaN(x)) ? '–' : Number(x).toPrecision(4);

async function getJson(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || (r.status + ' ' + r.statusText));
  return body;
}

// ---- fleet overview -------------------------------------------------------------------------
async function refreshOverview() {
  try {
    const o = await getJson('/api/overview');
    const prev = page.lastOverview;
    $('ov-entities').textContent = o.entities;
    $('ov-rate').textContent = prev ? fmt((o.forecasts - prev.forecasts) / ((o.time - prev.time) / 1000)) : '…';
    $('ov-models').textContent = o.models.map(m => `${m.alias}: ${m.model || 'none'}`).join(' · ');
    const refused = Object.entries(o.refused).filter(([, n]) => n > 0);
    $('ov-refused').textContent = refused.length ? refused.map(([r, n]) => `${r} ${n}`).join(' · ') : 'none';
    $('ov-worst').replaceChildren(...o.worstErrors.map(e => {
      const li = document.createElement('li');
      li.textContent = `${e.model} h=${e.h} ${e.target}: ${fmt(e.mae)} (${e.count})`;
      return li;
    }));
    $('instances').textContent = `instances: ${o.instances.join(', ')}` + (o.unreachable.length ? ` (not answering: ${o.unreachable.join(', ')})` : '');
    page.lastOverview = o;
  } catch (e) {
    $('instances').textContent = 'overview: ' + e.message;
  }
}

// ---- entity search --------------------------------------------------------------------------
let searchTimer = null;
async function search() {
  const q = $('search').value.trim();
  try {
    const r = await getJson('/api/entities?limit=50&q=' + encodeURIComponent(q));
    $('search-count').textContent = r.total > r.entities.length ? `${r.entities.length} of ${r.total}` : `${r.total} entities`;
    $('entities').replaceChildren(...r.entities.map(id => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = id;
      b.dataset.entity = id;
      b.className = id === page.entity ? 'chosen' : '';
      b.addEventListener('click', () => choose(id));
      li.append(b);
      return li;
    }));
  } catch (e) {
    $('search-count').textContent = e.message;
  }
}

// ---- one entity, live -----------------------------------------------------------------------
function choose(id) {
  page.entity = id;
  document.querySelectorAll('#entities button').forEach(b => b.className = b.dataset.entity === id ? 'chosen' : '');
  if (page.source) page.source.close();
  $('entity-message').textContent = `Loading ${id}…`;
  $('entity-message').className = '';
  page.source = new EventSource('/api/entities/' + encodeURIComponent(id) + '/events');
  page.source.onmessage = (event) => {
    const view = JSON.parse(event.data);
    if (view.error) {
      showMessage(view.error.error || 'error', true);
      return;
    }
    render(view);
  };
  page.source.onerror = () => showMessage(`The connection to the forecaster was lost; retrying…`, true);
}

function showMessage(text, error) {
  $('entity-message').textContent = text;
  $('entity-message').className = error ? 'error' : '';
  $('entity-message').hidden = false;
  $('entity-body').hidden = true;
}

function bandIndices(levels) {
  if (!levels || levels.length < 2) return null;
  let lo = 0, hi = levels.length - 1;
  levels.forEach((l, i) => { if (l <= 0.1 + 1e-9) lo = i; });
  for (let i = levels.length - 1; i >= 0; i--) if (levels[i] >= 0.9 - 1e-9) hi = i;
  return lo < hi ? [lo, hi] : null;
}

// the target charted: the one picked, else the model's first; the picker lists the served model's targets
function pickTarget(targets) {
  const select = $('target');
  if (select.dataset.targets !== JSON.stringify(targets)) {
    const wanted = targets.includes(select.value) ? select.value : targets[0];
    select.replaceChildren(...targets.map(t => new Option(t, t, false, t === wanted)));
    select.dataset.targets = JSON.stringify(targets);
  }
  $('target-picker').hidden = targets.length < 2;
  return targets.includes(select.value) ? select.value : targets[0];
}

function render(view) {
  page.lastView = view;
  const served = view.slots.find(s => s.slot === 'served');
  const shadow = view.slots.find(s => s.slot === 'shadow');
  $('entity-message').hidden = true;
  $('entity-body').hidden = false;
  $('entity-name').textContent = `${view.entity}  (answered by ${view.instance})`;
  $('entity-models').textContent = view.slots.map(s => `${s.alias}: ` + (s.model
      ? `${s.model} since ${s.servingSince ? time(s.servingSince) : '–'}` : `none (${s.note || 'no model'})`)).join(' · ');
  if (!served || !served.model) {
    return;
  }
  const target = pickTarget(served.targets);
  const actuals = served.actuals.filter(p => target in p.values).map(p => ({ x: p.t, y: p.values[target] }));
  const imputed = served.actuals.filter(p => p.imputed && p.imputed.includes(target)).map(p => ({ x: p.t, y: p.values[target] }));
  const f = served.forecast;
  const line = f ? f.steps.map(s => ({ x: s.t, y: s.point[target] })) : [];
  const band = f ? bandIndices(served.quantileLevels) : null;
  const low = band ? f.steps.map(s => ({ x: s.t, y: s.quantiles[target][band[0]] })) : [];
  const high = band ? f.steps.map(s => ({ x: s.t, y: s.quantiles[target][band[1]] })) : [];
  const previous = served.previous.map(p => ({ h: p.h, data: p.points.map(q => ({ x: q.t, y: q.values[target] })) }));
  const challenger = shadow && shadow.forecast ? shadow.forecast.steps.filter(s => target in s.point).map(s => ({ x: s.t, y: s.point[target] })) : [];
  const levels = band ? `p${Math.round(served.quantileLevels[band[0]] * 100)}–p${Math.round(served.quantileLevels[band[1]] * 100)}` : '';
  const datasets = [
    { label: `${target} actual`, data: actuals, borderColor: '#1d2733', pointRadius: 1.5, borderWidth: 1.5 },
    { label: 'imputed (not observed)', data: imputed, showLine: false, pointStyle: 'triangle', pointRadius: 5,
      borderColor: '#b3261e', backgroundColor: 'rgba(179,38,30,.25)' },
    { label: `band low`, data: low, borderColor: 'rgba(37,99,235,0)', pointRadius: 0, fill: false },
    { label: `${levels} band`, data: high, borderColor: 'rgba(37,99,235,0)', backgroundColor: 'rgba(37,99,235,.18)', pointRadius: 0, fill: '-1' },
    { label: `${served.model} forecast`, data: line, borderColor: '#2563eb', borderDash: [6, 3], pointRadius: 2 },
    ...previous.map((p, i) => ({ label: `earlier forecasts h=${p.h}`, data: p.data, showLine: false, pointRadius: 2.5,
      borderColor: i === 0 ? '#16a34a' : '#a855f7', backgroundColor: i === 0 ? '#16a34a' : '#a855f7' })),
    { label: `challenger ${shadow && shadow.model ? shadow.model : ''}`, data: challenger, borderColor: '#ea580c', borderDash: [2, 3], pointRadius: 1.5 },
  ];
  if (!page.chart) {
    page.chart = new Chart($('forecast-chart'), {
      type: 'line',
      data: { datasets },
      options: {
        animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
        scales: { x: { type: 'linear', ticks: { callback: (v) => time(v) } }, y: { title: { display: true, text: target } } },
        // no legend for the band's lower edge, nor for what has nothing to draw (no quantiles, no challenger)
        plugins: { legend: { labels: { filter: (item, data) => item.text !== 'band low'
            && data.datasets[item.datasetIndex].data.length > 0 } } },
      },
    });
  } else {
    page.chart.data.datasets = datasets;
    page.chart.options.scales.y.title.text = target;
    page.chart.update('none');
  }
  renderErrors(served, shadow);
}

function renderErrors(served, shadow) {
  const rows = new Map();
  for (const e of served.liveError || []) rows.set(`${e.h}|${e.target}`, { h: e.h, target: e.target, champion: e.mae });
  for (const e of (shadow && shadow.liveError) || []) {
    const key = `${e.h}|${e.target}`;
    rows.set(key, Object.assign(rows.get(key) || { h: e.h, target: e.target }, { challenger: e.mae }));
  }
  $('errors').tBodies[0].replaceChildren(...[...rows.values()].map(r => {
    const tr = document.createElement('tr');
    for (const v of [r.h, r.target, fmt(r.champion), fmt(r.challenger)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    return tr;
  }));
}

$('target').addEventListener('change', () => { if (page.lastView) render(page.lastView); });
$('search').addEventListener('input', () => { clearTimeout(searchTimer); searchTimer = setTimeout(search, 250); });
$('search-form').addEventListener('submit', (e) => { e.preventDefault(); search(); });
const wanted = new URLSearchParams(location.search).get('entity');
search().then(() => { if (wanted) choose(wanted); });
refreshOverview();
setInterval(refreshOverview, 5000);
setInterval(() => { if (!page.entity) search(); }, 10000);
