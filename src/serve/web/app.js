// The page's script: no framework, no build step. It talks to the same REST
// API scripts use: GET /api/v1/styles, POST /api/v1/jobs, the job's event
// stream for progress, then its result.
'use strict';

const $ = (id) => document.getElementById(id);
const UPLOAD = '__upload__';
const KIND_NOTE = { network: 'fast network', optimise: 'optimised · about a minute', adain: 'AdaIN · your style image' };

const state = {
  token: localStorage.getItem('gf-token') || '',
  styles: [],
  photo: null,       // File
  photoUrl: null,
  styleFile: null,   // File
  jobId: null,
  resultUrl: null,
};

class Problem extends Error {
  constructor(message, field) { super(message); this.field = field; }
}

function authHeaders() {
  return state.token ? { Authorization: 'Bearer ' + state.token } : {};
}

// The server's errors are JSON {"error", "field"}; say them in plain words.
function plainWords(status, message) {
  switch (status) {
    case 413: return 'That picture is too large for this server. ' + (message || '');
    case 415: return 'That file is not a PNG or JPEG picture. Choose a photo saved as PNG or JPEG.';
    case 429: return 'The server is busy with other pictures right now. Try again in a few seconds.';
    case 503: return 'The server is restarting. Try again in a moment.';
    case 504: return 'That took too long. Try a smaller size. ' + (message || '');
    default: return message || `Something went wrong (HTTP ${status}).`;
  }
}

async function api(path, options = {}) {
  let res;
  try {
    res = await fetch(path, { ...options, headers: { ...authHeaders(), ...(options.headers || {}) } });
  } catch (e) {
    throw new Problem('The server cannot be reached. Is it running?');
  }
  if (res.status === 401) {
    $('token-box').hidden = false;
    throw new Problem('This server needs an access token: enter it below, then try again.', 'token');
  }
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch (e) { /* not JSON */ }
    throw new Problem(plainWords(res.status, body.error), body.field);
  }
  return res;
}

// ---- messages ---------------------------------------------------------------------------

function showError(problem) {
  const box = $('error');
  box.textContent = problem.message;
  box.hidden = false;
  const focusFor = { image: 'photo', style_image: 'style-file', alpha: 'alpha', texture: 'texture', size: 'size',
                     format: 'format', token: 'token' };
  const target = focusFor[problem.field];
  if (target) $(target).focus();
}

function clearError() {
  $('error').hidden = true;
  $('error').textContent = '';
}

function setStatus(text, progress) {
  $('status-text').textContent = text;
  const bar = $('progress');
  bar.hidden = progress === undefined;
  if (progress !== undefined) bar.value = progress;
}

function busy(on) {
  $('go').disabled = on;
  $('cancel').hidden = !on;
}

// ---- styles -----------------------------------------------------------------------------

async function thumbnailUrl(style) {
  if (!state.token) return style.thumbnail;  // the browser can fetch it directly
  const res = await api(style.thumbnail);
  return URL.createObjectURL(await res.blob());
}

function tile(value, name, note, imageUrl) {
  const wrap = document.createElement('div');
  wrap.className = 'tile';
  const input = document.createElement('input');
  Object.assign(input, { type: 'radio', name: 'style', id: 'style-' + value, value });
  const label = document.createElement('label');
  label.htmlFor = input.id;
  if (imageUrl) {
    const img = document.createElement('img');
    img.alt = '';
    img.src = imageUrl;
    label.append(img);
  } else {
    const icon = document.createElement('span');
    icon.className = 'upload-icon';
    icon.setAttribute('aria-hidden', 'true');
    icon.textContent = '+';
    label.append(icon);
  }
  const title = document.createElement('span');
  title.className = 'name';
  title.textContent = name;
  const kind = document.createElement('span');
  kind.className = 'kind';
  kind.textContent = note;
  label.append(title, kind);
  wrap.append(input, label);
  input.addEventListener('change', styleChanged);
  return wrap;
}

async function loadStyles() {
  const gallery = $('gallery');
  try {
    state.styles = await (await api('/api/v1/styles')).json();
  } catch (problem) {
    $('gallery-loading').textContent = 'The styles could not be loaded.';
    showError(problem);
    return;
  }
  gallery.replaceChildren();
  for (const s of state.styles) gallery.append(tile(s.id, s.name, KIND_NOTE[s.kind] || s.kind, await thumbnailUrl(s)));
  gallery.append(tile(UPLOAD, 'Upload a style', 'your own picture, optimised', null));
  const first = gallery.querySelector('input');
  if (first) first.checked = true;
  styleChanged();
}

function chosenStyle() {
  const checked = document.querySelector('input[name=style]:checked');
  return checked ? checked.value : null;
}

// The optimisation takes at most 384 px (its time grows with the pixels).
const OPTIMISE_MAX_SIDE = 384;

function styleChanged() {
  const choice = chosenStyle();
  const style = state.styles.find((s) => s.id === choice);
  $('style-upload').hidden = !(choice === UPLOAD || (style && style.kind === 'adain'));
  const optimise = choice === UPLOAD || (style && style.kind === 'optimise');
  const size = $('size');
  for (const option of size.options) {
    option.disabled = optimise && Number(option.value) > OPTIMISE_MAX_SIDE;
  }
  if (size.selectedOptions[0].disabled) size.value = '256';
}

// ---- pictures ---------------------------------------------------------------------------

function setPhoto(file) {
  if (!file) return;
  state.photo = file;
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = URL.createObjectURL(file);
  const preview = $('photo-preview');
  preview.src = state.photoUrl;
  preview.alt = 'Your photo: ' + file.name;
  preview.hidden = false;
  $('drop-text').textContent = file.name + ' — choose another or drop it here';
  clearError();
}

function setupPhoto() {
  const drop = $('drop');
  $('photo').addEventListener('change', (e) => setPhoto(e.target.files[0]));
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    setPhoto(e.dataTransfer.files[0]);
  });
  $('style-file').addEventListener('change', (e) => {
    state.styleFile = e.target.files[0] || null;
    const preview = $('style-preview');
    preview.hidden = !state.styleFile;
    if (state.styleFile) {
      preview.src = URL.createObjectURL(state.styleFile);
      preview.alt = 'Style image: ' + state.styleFile.name;
    }
  });
}

// ---- a job ------------------------------------------------------------------------------

function requestBody() {
  if (!state.photo) throw new Problem('Choose a photo first.', 'image');
  const choice = chosenStyle();
  if (!choice) throw new Problem('Choose a style first.');
  const style = state.styles.find((s) => s.id === choice);
  const needsFile = choice === UPLOAD || (style && style.kind === 'adain');
  if (needsFile && !state.styleFile) throw new Problem('Choose a style image to upload.', 'style_image');

  const form = new FormData();
  form.append('image', state.photo, state.photo.name);
  if (choice !== UPLOAD) form.append('style', choice);
  if (needsFile) form.append('style_image', state.styleFile, state.styleFile.name);
  form.append('alpha', $('alpha').value);
  form.append('texture', $('texture').value);
  form.append('fuse', document.querySelector('input[name=fuse]:checked').value);
  if ($('size').value) form.append('size', $('size').value);
  form.append('format', $('format').value);
  return form;
}

function describe(status) {
  if (status.status === 'queued') {
    return status.position > 1 ? `Waiting in the queue: ${status.position - 1} picture(s) ahead of yours…`
                               : 'Starting…';
  }
  if (status.status === 'running') return `Stylising… ${Math.round(status.progress * 100)}%`;
  return '';
}

// Reads the job's server-sent events until its final status.
async function follow(id) {
  const res = await api(`/api/v1/jobs/${id}/events`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let last = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      if (!data) continue;  // a keep-alive comment
      last = JSON.parse(data);
      setStatus(describe(last), last.progress);
    }
  }
  return last || (await (await api(`/api/v1/jobs/${id}`)).json());
}

async function showResult(status) {
  const res = await api(`/api/v1/jobs/${status.id}/result`);
  const blob = await res.blob();
  if (state.resultUrl) URL.revokeObjectURL(state.resultUrl);
  state.resultUrl = URL.createObjectURL(blob);
  $('result-input').src = state.photoUrl;
  $('result-output').src = state.resultUrl;
  $('result-caption').textContent = `Stylised, ${status.width} × ${status.height} px`;
  $('result-ssim').textContent = status.ssim === null ? '' : `SSIM to your photo: ${status.ssim.toFixed(3)}`;
  $('result-time').textContent = `· ${(status.elapsed_ms / 1000).toFixed(1)} s`;
  const download = $('download');
  download.href = state.resultUrl;
  download.download = 'stylised.' + (blob.type === 'image/jpeg' ? 'jpg' : 'png');
  $('result').hidden = false;
}

async function stylise(event) {
  event.preventDefault();
  clearError();
  let body;
  try {
    body = requestBody();
  } catch (problem) {
    showError(problem);
    return;
  }
  busy(true);
  setStatus('Uploading…', 0);
  try {
    const job = await (await api('/api/v1/jobs', { method: 'POST', body })).json();
    state.jobId = job.id;
    setStatus(describe(job), 0);
    const status = await follow(job.id);
    if (status.status === 'done') {
      setStatus('Done.');
      await showResult(status);
    } else if (status.status === 'cancelled') {
      setStatus('Cancelled.');
    } else {
      setStatus('');
      showError(new Problem('The stylisation failed: ' + (status.error || 'unknown reason')));
    }
  } catch (problem) {
    setStatus('');
    showError(problem);
  } finally {
    state.jobId = null;
    busy(false);
  }
}

async function cancel() {
  if (!state.jobId) return;
  try {
    await api(`/api/v1/jobs/${state.jobId}`, { method: 'DELETE' });
  } catch (problem) {
    showError(problem);
  }
}

function setupOptions() {
  for (const id of ['alpha', 'texture']) {
    const slider = $(id);
    const show = () => { $(`${id}-value`).textContent = Number(slider.value).toFixed(2); };
    slider.addEventListener('input', show);
    show();
  }
  $('token').value = state.token;
  $('token-save').addEventListener('click', () => {
    state.token = $('token').value.trim();
    localStorage.setItem('gf-token', state.token);
    $('token-box').hidden = true;
    clearError();
    loadStyles();
  });
}

document.addEventListener('DOMContentLoaded', () => {
  setupPhoto();
  setupOptions();
  $('form').addEventListener('submit', stylise);
  $('cancel').addEventListener('click', cancel);
  loadStyles();
});
