// One part of the answer, "status", "probabilities" or "seen" (props.part): the body of
// gr.HTML's js_on_load. The canvas (ui/canvas.js) sends each answer it accepts as a
// "digit-answer" event on the document; every part shows its own piece of it. All text is
// set as text, never as HTML. An answer {pending: true} says the drawing changed (Undo, an
// example) and its answer is on its way: the part greys out what it shows until then.
// A number of several digits (answer.digits): the status says the number, "seen" shows each
// digit's small image with its probability, and a click on one makes the probabilities follow
// it and tells the canvas ("digit-choose"), whose value the details follow.

const root = element.querySelector('.answer-part');
const part = props.part;
if (part === 'status') root.setAttribute('aria-live', 'polite');  // read out as answers change
let current = null;  // the answer shown
let chosen = 0;  // the digit of a number whose bars and details show

function tag(name, text, className) {
  const node = document.createElement(name);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function showStatus(status) {
  root.dataset.kind = status.kind;
  if (status.kind === 'answer') {
    const heading = tag('h2');
    heading.append(status.opening, tag('strong', String(status.digit), 'digit'), ' (' + status.probability + ')');
    root.replaceChildren(heading);
  } else if (status.kind === 'number') {
    const heading = tag('h2');
    heading.append("It's ", tag('strong', status.number, 'digit number'));
    root.replaceChildren(heading);
  } else {
    root.replaceChildren(tag('p', status.text, 'message'));
  }
  if (status.note) root.append(tag('p', '⚠️ ' + status.note, 'note'));
}

function showBars(bars) {
  root.replaceChildren(...bars.map((bar) => {
    const row = tag('div', undefined, 'bar');
    const fill = tag('span', undefined, 'fill');
    fill.style.width = (bar.share * 100).toFixed(1) + '%';
    const track = tag('span', undefined, 'track');
    track.append(fill);
    row.append(tag('span', bar.digit, 'label'), track, tag('span', bar.text, 'share'));
    return row;
  }));
}

function showDigits(digits) {
  root.replaceChildren(...digits.map((digit, index) => {
    const button = tag('button', undefined, 'seen-digit' + (digit.unsure ? ' unsure' : ''));
    button.type = 'button';
    button.dataset.digit = String(index);
    button.setAttribute('aria-pressed', String(index === chosen));
    button.title = 'Show this digit\'s probabilities and details';
    const image = tag('img');
    image.src = digit.seen;
    image.alt = 'What the model sees of digit ' + (index + 1) + ', read as ' + digit.digit;
    button.append(image, tag('span', digit.digit + ' · ' + digit.probability + (digit.unsure ? ' ?' : ''), 'seen-label'));
    button.addEventListener('click', () => choose(index));
    return button;
  }));
}

function choose(index) {
  document.dispatchEvent(new CustomEvent('digit-chosen', {detail: index}));
  document.dispatchEvent(new CustomEvent('digit-choose', {detail: index}));
}

function showSeen(seen) {
  if (!seen) return root.replaceChildren();
  const image = tag('img');
  image.src = seen;
  image.alt = 'What the model sees: the drawing as a 28 by 28 image, white ink on black';
  root.replaceChildren(image);
}

function show(answer) {
  root.classList.toggle('stale', Boolean(answer.pending));
  if (answer.pending) return;
  if (current === null || answer.seq !== current.seq) chosen = 0;  // a new drawing: its first digit
  current = answer;
  const digits = answer.digits || [];
  const digit = digits.length > 1 ? digits[Math.min(chosen, digits.length - 1)] : null;
  if (part === 'status') showStatus(answer.status);
  else if (part === 'probabilities') showBars(digit ? digit.bars : answer.bars);
  else if (digit) showDigits(digits);
  else showSeen(answer.seen);
}

document.addEventListener('digit-answer', (event) => show(event.detail));
document.addEventListener('digit-chosen', (event) => {
  chosen = event.detail;
  if (current) show(current);
});
show(props.answer);
