/* The hall screen (大厅叫号屏): polls the screen's state and redraws it in place, for a day or
   more without a reload. One request at a time (a setTimeout chain, never setInterval), a
   time-out on each request, a growing pause after errors (at most 30 s) and back to the normal
   pace on the first answer; the DOM is rebuilt from the state each time and the set of
   announced calls holds only the calls on screen, so nothing grows. New calls are spoken in
   Mandarin where the browser can speak (speechSynthesis). Without JavaScript the page
   refreshes itself (meta refresh in <noscript>). */
(function () {
  "use strict";
  var root = document.getElementById("queue-screen");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-state");
  var poll = parseInt(root.getAttribute("data-poll"), 10) || 3000;
  var calls = document.getElementById("screen-calls");
  var waiting = document.querySelector("#screen-waiting tbody");
  var now = document.getElementById("screen-now");
  var status = document.getElementById("screen-status");
  var stats = { polls: 0, errors: 0, spoken: 0, last: "" };
  window.govhallQueueScreen = stats;
  var announced = {};
  Array.prototype.forEach.call(calls.querySelectorAll("li[data-key]"), function (li) {
    var key = li.getAttribute("data-key");
    if (key) { announced[key] = true; }  // already on screen when the page loaded: not spoken again
  });
  var failures = 0;

  function speak(text) {
    if (!("speechSynthesis" in window) || !window.SpeechSynthesisUtterance) { return; }
    try {
      var utterance = new SpeechSynthesisUtterance(text);
      utterance.lang = "zh-CN";
      utterance.rate = 0.9;
      window.speechSynthesis.speak(utterance);
      stats.spoken += 1;
    } catch (e) { /* a screen without a voice still shows the call */ }
  }

  function cell(tag, text) {
    var node = document.createElement(tag);
    node.textContent = text;
    return node;
  }

  function draw(state) {
    var fresh = {};
    var items = document.createDocumentFragment();
    var toSpeak = [];
    state.calls.forEach(function (call) {
      var li = document.createElement("li");
      li.setAttribute("data-key", call.key);
      var number = cell("span", call.number);
      number.className = "queue-number";
      li.appendChild(number);
      li.appendChild(document.createTextNode(" 请到 "));
      li.appendChild(cell("strong", call.window));
      li.appendChild(document.createTextNode(" 号窗口"));
      if (!announced[call.key]) { li.className = "queue-new"; toSpeak.push(call.text); }
      fresh[call.key] = true;
      items.appendChild(li);
    });
    if (!state.calls.length) {
      var empty = cell("li", "暂无叫号");
      empty.className = "meta";
      items.appendChild(empty);
    }
    calls.replaceChildren(items);
    announced = fresh;
    toSpeak.reverse().forEach(speak);  // oldest first
    var rows = document.createDocumentFragment();
    state.groups.forEach(function (group) {
      var tr = document.createElement("tr");
      tr.appendChild(cell("td", group.letter));
      tr.appendChild(cell("td", group.name));
      tr.appendChild(cell("td", String(group.waiting)));
      rows.appendChild(tr);
    });
    waiting.replaceChildren(rows);
    now.textContent = state.now;
    stats.last = state.calls.length ? state.calls[0].number : "";
  }

  function schedule(ms) { window.setTimeout(tick, ms); }

  function tick() {
    var controller = window.AbortController ? new AbortController() : null;
    var timeout = window.setTimeout(function () { if (controller) { controller.abort(); } }, 10000);
    stats.polls += 1;
    fetch(url, { credentials: "same-origin", cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (state) {
        window.clearTimeout(timeout);
        draw(state);
        failures = 0;
        status.textContent = "";
        schedule(poll);
      })
      .catch(function () {
        window.clearTimeout(timeout);
        failures += 1;
        stats.errors += 1;
        status.textContent = "网络中断，正在重新连接…";
        schedule(Math.min(30000, poll * Math.pow(2, Math.min(failures, 10))));
      });
  }

  schedule(poll);
})();
