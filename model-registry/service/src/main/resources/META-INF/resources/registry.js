// The registry's page: models, versions side by side, lineage, metrics, the architecture chart, the
// trainer's training runs, and moving an alias with the token (reads need one too unless the registry
// opens them). Text from the registry is always set as text, never as HTML.
'use strict';

const TOKEN_KEY = 'streamcast.registry.token';
let current = null;   // the selected model's name
let chart = null;
let runsTimer = null; // the next refresh of the selected model's runs, while one of them is running
const RUNS_SHOWN = 20;
const RUNS_REFRESH_MS = 5000;

function token() {
  return sessionStorage.getItem(TOKEN_KEY) || '';
}

async function api(method, path, body) {
  const headers = {'Accept': 'application/json'};
  if (token()) headers['Authorization'] = 'Bearer ' + token();
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error((json && json.error) || ('HTTP ' + response.status));
    error.status = response.status;
    throw error;
  }
  return json;
}

function el(tag, text, attrs) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  return node;
}

function time(ms) {
  return ms === null || ms === undefined ? '' : new Date(ms).toISOString().replace('.000Z', 'Z');
}

function bytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

// "3 s", "4 min 05 s", "1 h 02 min"
function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return s + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
}

function runsPath(name, limit) {
  return '/api/models/' + encodeURIComponent(name) + '/runs?limit=' + limit;
}

function status(text) {
  document.getElementById('status').textContent = text;
}

async function loadModels() {
  const models = await api('GET', '/api/models');
  const list = document.getElementById('models');
  list.replaceChildren();
  document.getElementById('models-empty').hidden = models.length > 0;
  for (const m of models) {
    const item = el('li', null, {'data-model': m.name});
    item.append(el('span', m.name, {'class': 'name'}));
    const aliases = Object.entries(m.aliases).map(([a, v]) => a + '→' + v).join(' ');
    item.append(el('small', m.versionCount + ' version' + (m.versionCount === 1 ? '' : 's') + (aliases ? ' · ' + aliases : '')));
    if (m.name === current) item.classList.add('selected');
    item.addEventListener('click', () => showModel(m.name));
    list.append(item);
  }
  await renderOverview(models);
  if (!current && models.length > 0) await showModel(models[0].name);
}

// The landing's table: per model its aliases, the latest metrics of its headline version (the
// champion's, else the latest) and its newest training run; one version and one run read per model
// (the first 100 models).
const OVERVIEW_MODELS = 100;
async function renderOverview(models) {
  const shown = models.slice(0, OVERVIEW_MODELS);
  const [headlines, lastRuns] = await Promise.all([Promise.all(shown.map(m => {
    const version = m.aliases.champion !== undefined ? m.aliases.champion : m.latestVersion;
    return version > 0
      ? api('GET', '/api/models/' + encodeURIComponent(m.name) + '/versions/' + version).catch(() => null)
      : Promise.resolve(null);
  })), Promise.all(shown.map(m => api('GET', runsPath(m.name, 1)).then(runs => runs[0] || null).catch(() => null)))]);
  const body = document.querySelector('#overview-table tbody');
  body.replaceChildren();
  shown.forEach((m, i) => {
    const v = headlines[i];
    const metric = (name, digits) => v && v.metrics[name] !== undefined ? Number(v.metrics[name]).toPrecision(digits) : '–';
    const row = el('tr', null, {'data-model': m.name, 'class': m.name === current ? 'selected' : ''});
    row.append(el('td', m.name), el('td', m.versionCount, {'class': 'num'}),
        el('td', Object.entries(m.aliases).sort().map(([a, n]) => a + '→' + n).join(' ') || '–'),
        el('td', v ? v.version + ' · ' + v.architecture : '–', {'data-col': 'headline'}),
        el('td', metric('mse', 4), {'class': 'num', 'data-col': 'mse'}), el('td', metric('mae', 4), {'class': 'num', 'data-col': 'mae'}),
        el('td', metric('coverage', 3), {'class': 'num'}), el('td', metric('step_us_b1', 3), {'class': 'num'}),
        el('td', v ? v.signature.stateBytesPerEntity : '–', {'class': 'num'}), el('td', v ? time(v.createdAt) : '–'),
        lastRunCell(lastRuns[i]));
    row.addEventListener('click', () => showModel(m.name));
    body.append(row);
  });
  if (models.length > OVERVIEW_MODELS) {
    const more = el('tr');
    more.append(el('td', (models.length - OVERVIEW_MODELS) + ' more models: pick them on the left', {'colspan': 11}));
    body.append(more);
  }
  document.getElementById('overview').hidden = models.length === 0;
}

async function showModel(name) {
  current = name;
  for (const li of document.querySelectorAll('#models li, #overview-table tbody tr')) {
    li.classList.toggle('selected', li.dataset.model === name);
  }
  const [model, versions, runs] = await Promise.all([
    api('GET', '/api/models/' + encodeURIComponent(name)),
    api('GET', '/api/models/' + encodeURIComponent(name) + '/versions?archived=true'),
    api('GET', runsPath(name, RUNS_SHOWN))]);
  document.getElementById('model').hidden = false;
  document.getElementById('model-name').textContent = model.name;
  document.getElementById('model-description').textContent = model.description || '';
  document.getElementById('model-tags').textContent =
      Object.entries(model.tags).map(([k, v]) => k + '=' + v).join('  ');
  renderAliases(model.aliases, versions);
  renderRuns(runs);
  renderVersions(versions);
  renderChart(versions.filter(v => v.archivedAt === null));
  status('loaded ' + model.name + ': ' + versions.length + ' versions');
}

// The landing's "last run": state and trigger of the model's newest run.
function lastRunCell(run) {
  return el('td', run ? run.state + ' · ' + run.trigger : '–',
      {'data-col': 'last-run', 'class': run ? 'run-' + run.state : '', 'title': run ? 'run ' + run.id + ': ' + run.reason : ''});
}

// Runs as rows, newest first: a running one shows its latest progress line, an ended one its outcome.
function renderRuns(runs) {
  const body = document.querySelector('#runs-table tbody');
  body.replaceChildren();
  for (const r of runs) {
    const started = Date.parse(r.startedAt);
    const target = r.version !== null ? r.version + (r.alias ? ' (' + r.alias + ')' : '') : (r.alias || '');
    const row = el('tr', null, {'data-run': r.id, 'data-state': r.state});
    row.append(
        el('td', r.id, {'data-col': 'id', 'class': 'num'}),
        el('td', r.trigger, {'data-col': 'trigger', 'title': r.reason}),
        el('td', r.state, {'data-col': 'state', 'class': 'run-' + r.state}),
        el('td', time(started), {'data-col': 'started'}),
        el('td', r.state === 'running' ? 'running' : r.endedAt !== null ? duration(Date.parse(r.endedAt) - started) : '–',
            {'data-col': 'duration'}),
        el('td', r.winner && target ? r.winner + ' → ' + target : r.winner || (target ? '→ ' + target : '–'),
            {'data-col': 'result'}),
        el('td', r.state === 'running' ? r.progress : r.outcome, {'data-col': 'detail'}));
    body.append(row);
  }
  document.getElementById('runs-table').hidden = runs.length === 0;
  document.getElementById('runs-empty').hidden = runs.length > 0;
  clearTimeout(runsTimer);
  runsTimer = runs.some(r => r.state === 'running') ? setTimeout(refreshRuns, RUNS_REFRESH_MS) : null;
}

// While a run of the selected model is running: its runs again, and its landing row's last run.
async function refreshRuns() {
  const name = current;
  try {
    const runs = await api('GET', runsPath(name, RUNS_SHOWN));
    if (name !== current) return;
    renderRuns(runs);
    const cell = document.querySelector('#overview-table tr[data-model="' + CSS.escape(name) + '"] td[data-col="last-run"]');
    if (cell) cell.replaceWith(lastRunCell(runs[0] || null));
  } catch (e) {
    status('could not refresh the runs of ' + name + ': ' + e.message);
    if (name === current) runsTimer = setTimeout(refreshRuns, RUNS_REFRESH_MS);
  }
}

function renderAliases(aliases, versions) {
  const body = document.querySelector('#aliases tbody');
  body.replaceChildren();
  for (const [alias, version] of Object.entries(aliases).sort()) {
    const row = el('tr', null, {'data-alias': alias});
    row.append(el('td', alias), el('td', version));
    body.append(row);
  }
  const select = document.getElementById('alias-version');
  select.replaceChildren();
  for (const v of versions.filter(v => v.archivedAt === null).reverse()) {
    select.append(el('option', v.version + ' · ' + v.architecture, {'value': v.version}));
  }
}

// Versions as columns, facts as rows: architectures read side by side.
function renderVersions(versions) {
  const table = document.getElementById('versions');
  const head = el('tr');
  head.append(el('th', 'version'));
  for (const v of versions) {
    head.append(el('th', v.version + (v.archivedAt !== null ? ' (archived)' : ''),
        {'data-version': v.version, 'class': v.archivedAt !== null ? 'archived' : ''}));
  }
  table.tHead.replaceChildren(head);
  const metricNames = [...new Set(versions.flatMap(v => Object.keys(v.metrics)))].sort();
  const hyperNames = [...new Set(versions.flatMap(v => Object.keys(v.lineage.hyperParameters)))].sort();
  const rows = [
    ['architecture', v => v.architecture],
    ['aliases', v => v.aliases.join(', ')],
    ...metricNames.map(m => ['metric ' + m, v => v.metrics[m] === undefined ? '' : Number(v.metrics[m]).toPrecision(5), 'metric-' + m]),
    ['parameters', v => v.signature.parameterCount],
    ['state bytes / entity', v => v.signature.stateBytesPerEntity, 'state-bytes'],
    ['state', v => v.signature.state.map(s => s.kind.toLowerCase() + ' ' + s.name + '[' + s.shape.join(',') + ']'
        + (s.kind === 'WINDOW' ? ' x' + s.length : '')).join('; ') || 'none'],
    ['horizon × targets', v => v.signature.horizon + ' × ' + v.signature.targets.join(', ')],
    ['features', v => v.signature.features.length + ' (spec ' + v.signature.featureSpecId + ')'],
    ['training data', v => v.lineage.dataSource, 'data-source'],
    ['data range', v => time(v.lineage.dataFrom) + ' … ' + time(v.lineage.dataTo) + ' (' + v.lineage.dataRows + ' rows)', 'data-range'],
    ['trainer', v => v.lineage.trainerVersion, 'trainer-version'],
    ['source revision', v => v.lineage.sourceRevision || ''],
    ...hyperNames.map(h => ['hyper ' + h, v => v.lineage.hyperParameters[h] === undefined ? '' : v.lineage.hyperParameters[h]]),
    ['sha256', v => v.sha256.substring(0, 16) + '…'],
    ['size', v => bytes(v.sizeBytes)],
    ['created', v => time(v.createdAt)],
    ['creator', v => v.creator],
    ['description', v => v.description],
    ['bundle', null],
  ];
  const body = el('tbody');
  for (const [label, value, id] of rows) {
    const row = el('tr', null, {'data-row': id || label.replace(/[^a-z0-9_]+/gi, '-')});
    row.append(el('th', label, {'scope': 'row'}));
    for (const v of versions) {
      if (value === null) {
        const cell = el('td');
        const link = el('a', 'zip', {'href': '/api/models/' + encodeURIComponent(v.model) + '/versions/' + v.version + '/bundle'});
        cell.append(link);
        row.append(cell);
      } else {
        row.append(el('td', value(v)));
      }
    }
    body.append(row);
  }
  table.tBodies[0].replaceWith(body);
}

function renderChart(versions) {
  const canvas = document.getElementById('compare-chart');
  if (chart) chart.destroy();
  const withMetrics = versions.filter(v => v.metrics.mse !== undefined);
  const maxState = Math.max(1, ...withMetrics.map(v => v.signature.stateBytesPerEntity));
  const byArch = new Map();
  for (const v of withMetrics) {
    if (!byArch.has(v.architecture)) byArch.set(v.architecture, []);
    byArch.get(v.architecture).push({
      x: v.metrics.step_us_b1 === undefined ? 0 : v.metrics.step_us_b1,
      y: v.metrics.mse,
      // area proportional to state bytes; a stateless model still shows as a dot
      r: 3 + 22 * Math.sqrt(v.signature.stateBytesPerEntity / maxState),
      version: v.version,
      stateBytes: v.signature.stateBytesPerEntity,
    });
  }
  chart = new Chart(canvas, {
    type: 'bubble',
    data: {datasets: [...byArch.entries()].map(([arch, points]) => ({label: arch, data: points}))},
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: {title: {display: true, text: 'step latency, µs (batch 1)'}, beginAtZero: true, grace: '10%'},
        y: {title: {display: true, text: 'backtest MSE'}, beginAtZero: true, grace: '10%'},
      },
      plugins: {
        tooltip: {callbacks: {label: c => c.dataset.label + ' v' + c.raw.version + ': mse ' + c.raw.y.toPrecision(4)
              + ', ' + c.raw.x.toFixed(1) + ' µs, ' + c.raw.stateBytes + ' state bytes'}},
      },
    },
  });
  window.registryChart = chart;
}

async function moveAlias(event) {
  event.preventDefault();
  const out = document.getElementById('alias-status');
  const alias = document.getElementById('alias-name').value.trim();
  const version = Number(document.getElementById('alias-version').value);
  out.className = '';
  out.textContent = 'moving ' + alias + ' to ' + version + '…';
  try {
    await api('PUT', '/api/models/' + encodeURIComponent(current) + '/aliases/' + encodeURIComponent(alias), {version});
    out.className = 'ok';
    out.textContent = alias + ' now points at version ' + version;
    await showModel(current);
    await loadModels();
  } catch (e) {
    out.className = 'error';
    out.textContent = (e.status === 401 || e.status === 403 ? 'not allowed (HTTP ' + e.status + '): ' : 'failed: ') + e.message;
  }
}

function saveToken(event) {
  event.preventDefault();
  const value = document.getElementById('token').value.trim();
  if (value) sessionStorage.setItem(TOKEN_KEY, value); else sessionStorage.removeItem(TOKEN_KEY);
  document.getElementById('token').value = '';
  document.getElementById('token-state').textContent = token() ? 'token set' : 'no token';
  // reads need a token unless the registry opens them: what was refused before may load now
  loadModels().catch(e => status('could not load models: ' + e.message));
  showLiveLink();
}

document.addEventListener('DOMContentLoaded', () => {
  document.getElementById('alias-form').addEventListener('submit', moveAlias);
  document.getElementById('token-form').addEventListener('submit', saveToken);
  document.getElementById('token-state').textContent = token() ? 'token set' : 'no token';
  loadModels().catch(e => status('could not load models: ' + e.message));
  showLiveLink();
});

// the forecaster's live page, where the registry knows it (registry.ui.live-page-url); /api/info is
// a read, so with reads closed it shows once a token is given
function showLiveLink() {
  api('GET', '/api/info').then(info => {
    if (info.livePageUrl) {
      const link = document.getElementById('live-link');
      link.href = info.livePageUrl;
      link.hidden = false;
    }
  }).catch(() => {});
}
