// The drawing canvas: the body of gr.HTML's js_on_load (element, trigger, props, server,
// upload and watch are given). It keeps the drawing as strokes of [x, y] points in canvas
// pixels, props.size high and as wide as the canvas's shape on the page makes it (wide on a
// desktop, for a number; square on a phone), draws them with a round brush as the pen moves,
// and asks the server what they show:
// - server.read(value) while the pen moves (at most every props.send_every_ms, and only when
//   the drawing changed) and at once on pen-up; at most one request is in flight, and the
//   latest drawing waits behind it;
// - each value carries `seq`, the drawing's version: an answer for an older drawing than the
//   one shown, or than the last Clear, Undo or example, is dropped;
// - props.value is set at pen-up, Undo, Clear and on an example, which fires the component's
//   change event: the page's other parts (details, corrections) read the drawing from it.
// Answers go to the page as a "digit-answer" event on the document (ui/answer.js shows them).
// A click on one digit of a number there comes back as a "digit-choose" event: the value's
// `digit` names it, for the details (heatmap, evidence chart) to follow.

const canvas = element.querySelector('canvas');
const frame = element.querySelector('.pad');
const context = canvas.getContext('2d');
const undoButton = element.querySelector('#undo');
const clearButton = element.querySelector('#clear');
const SIZE = props.size;  // the canvas's height in canvas pixels
let width = SIZE;  // its width: set from its shape on the page
let chosen = 0;  // the digit of a number that the details follow
const BRUSH = props.brush;
const SEND_EVERY_MS = props.send_every_ms;
const MIN_STEP = 1;  // canvas pixels: closer pen samples add nothing to the drawing
const INK = '#000';

let strokes = [];  // each stroke: [[x, y], ...] in canvas pixels
let pen = null;  // {id, stroke} while a pointer draws
let seq = 0;  // the drawing's version: bumped by every change
let barrier = 0;  // answers for a version below this are stale (a Clear, Undo or example came after)
let shown = 0;  // the version whose answer the page shows
let asked = -1;  // the version last sent
let inFlight = false;
let waiting = false;  // a newer drawing waits for the request in flight
let lastSent = -Infinity;
let timer = null;
// For the benchmarks and tests: each request's times, each pen-down and pen-up, all in epoch
// milliseconds like the server's handler start and end, which each answer carries.
const log = {requests: [], penDowns: [], penUps: []};
const now = () => performance.timeOrigin + performance.now();

function value() {
  return {width: width, height: SIZE, strokes: strokes.map((stroke) => stroke.slice()), seq: seq, digit: chosen};
}

function publish(answer) {
  document.dispatchEvent(new CustomEvent('digit-answer', {detail: answer}));
}

// ---- Drawing ----

function fit() {
  const box = canvas.getBoundingClientRect();
  const ratio = window.devicePixelRatio || 1;  // a backing store of device pixels keeps the ink sharp
  const backingWidth = Math.max(1, Math.round(box.width * ratio));
  const height = Math.max(1, Math.round(box.height * ratio));
  if (canvas.width !== backingWidth || canvas.height !== height) {
    canvas.width = backingWidth;
    canvas.height = height;
  }
  if (box.height > 0) width = Math.round(SIZE * box.width / box.height);
  redraw();
}

function redraw() {
  context.setTransform(1, 0, 0, 1, 0, 0);
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.setTransform(canvas.width / width, 0, 0, canvas.height / SIZE, 0, 0);
  context.lineCap = 'round';
  context.lineJoin = 'round';
  context.lineWidth = BRUSH;
  context.strokeStyle = INK;
  context.fillStyle = INK;
  for (const stroke of strokes) {
    if (stroke.length === 1) {
      dot(stroke[0]);
      continue;
    }
    context.beginPath();
    context.moveTo(stroke[0][0], stroke[0][1]);
    for (const point of stroke.slice(1)) context.lineTo(point[0], point[1]);
    context.stroke();
  }
  frame.classList.toggle('has-ink', strokes.length > 0);
  undoButton.disabled = clearButton.disabled = strokes.length === 0;
}

function dot(point) {
  context.beginPath();
  context.arc(point[0], point[1], BRUSH / 2, 0, 2 * Math.PI);
  context.fill();
}

function extend(stroke) {  // draws the stroke's newest segment only
  const count = stroke.length;
  if (count === 1) return dot(stroke[0]);
  context.beginPath();
  context.moveTo(stroke[count - 2][0], stroke[count - 2][1]);
  context.lineTo(stroke[count - 1][0], stroke[count - 1][1]);
  context.stroke();
}

function canvasPoint(event) {
  const box = canvas.getBoundingClientRect();
  const clamp = (v, side) => Math.min(side, Math.max(0, v));
  const x = clamp((event.clientX - box.left) / box.width * width, width);
  const y = clamp((event.clientY - box.top) / box.height * SIZE, SIZE);
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

canvas.addEventListener('pointerdown', (event) => {
  if (pen || (event.pointerType === 'mouse' && event.button !== 0)) return;
  event.preventDefault();
  canvas.setPointerCapture(event.pointerId);
  pen = {id: event.pointerId, stroke: [canvasPoint(event)]};
  strokes.push(pen.stroke);
  seq += 1;
  chosen = 0;
  log.penDowns.push({at: now(), seq: seq});
  redraw();
});

canvas.addEventListener('pointermove', (event) => {
  if (!pen || event.pointerId !== pen.id) return;
  event.preventDefault();
  const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  let moved = false;
  for (const sample of samples.length ? samples : [event]) {
    const point = canvasPoint(sample);
    const last = pen.stroke[pen.stroke.length - 1];
    if (Math.hypot(point[0] - last[0], point[1] - last[1]) < MIN_STEP) continue;
    pen.stroke.push(point);
    extend(pen.stroke);
    moved = true;
  }
  if (!moved) return;
  seq += 1;
  whileDrawing();
});

function penUp(event) {
  if (!pen || event.pointerId !== pen.id) return;
  pen = null;
  log.penUps.push({at: now(), seq: seq});
  clearTimeout(timer);
  timer = null;
  commit();
  request();
}
canvas.addEventListener('pointerup', penUp);
canvas.addEventListener('pointercancel', penUp);

// ---- Asking the server ----

function whileDrawing() {  // at most every SEND_EVERY_MS while the pen moves
  const wait = lastSent + SEND_EVERY_MS - performance.now();
  if (wait <= 0) request();
  else if (!timer) timer = setTimeout(() => { timer = null; request(); }, wait);
}

function request() {  // sends the drawing unless a request is in flight; then it waits behind it
  if (asked === seq || !strokes.length) {
    waiting = false;  // nothing new to send (a Clear came while a request was in flight)
    return;
  }
  if (inFlight) {
    waiting = true;
    return;
  }
  inFlight = true;
  waiting = false;
  asked = seq;
  lastSent = performance.now();
  const entry = {seq: seq, sent: now()};
  log.requests.push(entry);
  element.dataset.busy = 'true';
  server.read(value()).then((answer) => {
    entry.received = now();
    entry.server = answer.timing;
    entry.shown = show(answer);
    entry.onPage = now();
  }).catch(() => {
    if (asked === seq) show({seq: asked, status: {kind: 'error', text: 'The server did not answer: draw again, or reload the page.'}, bars: [], seen: null});
  }).finally(() => {
    inFlight = false;
    if (waiting) {
      if (pen) whileDrawing();
      else request();
    }
    if (!inFlight) element.dataset.busy = 'false';
  });
}

function show(answer) {  // returns whether the answer was shown
  if (answer.seq < barrier || answer.seq <= shown) return false;
  shown = answer.seq;
  publish(answer);
  return true;
}

function commit() {  // the drawing as the component's value: fires its change event
  props.value = value();
}

// ---- Undo, Clear and the examples: at once, in the browser ----

function restart(newStrokes) {
  strokes = newStrokes;
  chosen = 0;
  pen = null;
  seq += 1;
  barrier = seq;
  clearTimeout(timer);
  timer = null;
  redraw();
  commit();
  if (strokes.length) {
    publish({seq: seq, pending: true});  // the answer shown is for an older drawing: mark it so
    request();
  } else {
    shown = seq;
    publish({seq: seq, status: props.prompt, bars: [], seen: null});
  }
}

function undo() {
  if (strokes.length) restart(strokes.slice(0, -1));
}

// A finger's tap acts on pointer-up: the browser's click after a tap can come late, or not at
// all when it takes the tap for half of a double tap. The click that may follow is then skipped;
// the mouse and the keyboard (Enter, Space) act through the click.
function onPress(button, action) {
  let tappedAt = -Infinity;
  button.addEventListener('pointerup', (event) => {
    if (event.pointerType === 'mouse' || button.disabled) return;
    tappedAt = performance.now();
    action();
  });
  button.addEventListener('click', () => {
    if (performance.now() - tappedAt > 1000) action();
  });
}

onPress(undoButton, undo);
onPress(clearButton, () => restart([]));
document.addEventListener('keydown', (event) => {
  const typing = event.target.closest && event.target.closest('input, textarea, [contenteditable]');
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'z' && !typing) {
    event.preventDefault();
    undo();
  }
});
element.querySelectorAll('[data-example]').forEach((button) => {
  onPress(button, () => {
    const example = props.examples[Number(button.dataset.example)].value;
    const scale = SIZE / Math.max(example.width, example.height);
    const left = (width - example.width * scale) / 2;  // in the middle of a wide canvas
    restart(example.strokes.map((stroke) => stroke.map((p) => [p[0] * scale + left, p[1] * scale])));
  });
});

document.addEventListener('digit-choose', (event) => {
  chosen = event.detail;
  commit();  // the details follow the chosen digit
});

// For the tests and benchmarks: the log, the drawing's value, and whether the page shows the
// answer to the drawing as it is now, with no request still on its way.
// `read` asks the server directly, as the canvas does: the pen-up benchmark's floor.
canvas.pad = {
  log: log, value: value, read: (drawing) => server.read(drawing),
  settled: () => !inFlight && !waiting && !timer && shown === seq,
};
element.dataset.busy = 'false';
new ResizeObserver(fit).observe(canvas);
fit();
