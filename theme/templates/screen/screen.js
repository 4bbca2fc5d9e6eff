/* Campus screen slideshow. Plain ES5 for old signage engines (Chrome 53, Qt 5 WebEngine, old Android
   WebViews): no let/const, arrow functions, fetch, Promise or classList-only features.
   One rotation timer, one data-check timer and one clock interval exist at any time, and only the
   slide on show is in the DOM, so a day of running does not grow memory. */
(function () {
  'use strict';

  var FLOOR = 0.035;          /* smallest text: 3.5% of the screen's shorter side */
  var TITLE_MIN = 1.3;        /* a title never shrinks below 1.3 times the floor */
  var doc = document;
  var root = doc.getElementById('screen');
  var stage = doc.getElementById('screen-stage');
  var clockNode = doc.getElementById('screen-clock');
  var statusNode = doc.getElementById('screen-status');
  var progressNode = doc.getElementById('screen-progress');
  /* Opened from a file (the zip on a player without network): a snapshot, no data file to check. A single
     slide's page has none either: its player loads the page afresh each time it shows it. */
  var offline = window.location.protocol === 'file:';
  var source = offline ? '' : root.getAttribute('data-src');
  var state = {
    text: '', data: null, offset: 0, synced: 0, pickedAt: 0, shownAt: 0, current: null, currentHtml: '',
    lastUrgent: false, lastId: { urgent: '', normal: '' }, checks: 0, swaps: 0, shows: 0,
    rotateTimer: null, checkTimer: null, clockTimer: null, request: null, barTop: -1, barBottom: -1,
    reloading: false
  };

  /* The device clock corrected by the server's Date header (milliseconds since 1970, UTC). */
  function now() {
    return new Date().getTime() + state.offset;
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  /* Local wall time at the site's fixed offset (minutes east of UTC), whatever the device's zone. */
  function wall(ms) {
    return new Date(ms + state.data.tz * 60000);
  }

  function hhmm(ms) {
    var d = wall(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes());
  }

  /* When the data was last fetched: its date too once that is not today, so a screen whose network went down
     yesterday does not read as updated an hour ago. */
  function updatedAt(t) {
    var then = wall(state.synced), today = wall(t), day = '';
    if (then.getUTCFullYear() !== today.getUTCFullYear()) {
      day = then.getUTCFullYear() + '年';
    }
    if (day || then.getUTCMonth() !== today.getUTCMonth() || then.getUTCDate() !== today.getUTCDate()) {
      day += (then.getUTCMonth() + 1) + '月' + then.getUTCDate() + '日 ';
    }
    return '更新于 ' + day + hhmm(state.synced);
  }

  function setText(node, text) {
    if (node.firstChild && node.firstChild.nodeValue === text && !node.firstChild.nextSibling) {
      return;
    }
    while (node.firstChild) {
      node.removeChild(node.firstChild);
    }
    node.appendChild(doc.createTextNode(text));
  }

  function isValid(data) {
    var i, slide;
    if (!data || typeof data !== 'object' || !(data.slides instanceof Array) || typeof data.idle !== 'string' || !data.idle) {
      return false;
    }
    if (typeof data.seconds !== 'number' || data.seconds < 1 || typeof data.tz !== 'number') {
      return false;
    }
    for (i = 0; i < data.slides.length; i += 1) {
      slide = data.slides[i];
      if (typeof slide.id !== 'string' || typeof slide.html !== 'string' || !slide.html || typeof slide.start !== 'number') {
        return false;
      }
    }
    return true;
  }

  /* A playlist's own seconds for this page (?seconds=20, 4 to 600), or 0: a player rotating single-slide pages
     at a profile's pace, while the page embeds the default profile's. */
  function ownSeconds() {
    var found = /[?&]seconds=(\d{1,3})(?:&|$)/.exec(window.location.search), seconds = found ? Number(found[1]) : 0;
    return seconds >= 4 && seconds <= 600 ? seconds : 0;
  }

  /* Take new data text; false when it cannot be used (the slides on show stay). */
  function accept(text) {
    var data;
    if (text === state.text) {
      reloadIfShellChanged(state.data.shell);  /* not loaded yet: the new page did not answer last time */
      return true;
    }
    try {
      data = JSON.parse(text);
    } catch (e) {
      return false;
    }
    if (!isValid(data)) {
      return false;
    }
    data.seconds = ownSeconds() || data.seconds;
    state.text = text;
    state.data = data;
    state.swaps += 1;
    reloadIfShellChanged(data.shell);
    return true;
  }

  /* The page itself changed (the site's title, the screen's style or script: a new theme or fraudsite): load
     it again, at an address of its own so no cache in front of the player hands back the old one; but only once
     that address answers with the new page. A deploy's moment of 502s, or a stale copy, would otherwise leave
     the screen on an error page, or on the old page for good; this page runs on and asks again at each check. */
  function reloadIfShellChanged(shell) {
    var own = root.getAttribute('data-shell'), address, request;
    if (!source || !shell || !own || shell === own || state.reloading) {
      return;
    }
    address = window.location.pathname + '?shell=' + shell + (ownSeconds() ? '&seconds=' + ownSeconds() : '');
    request = new XMLHttpRequest();
    state.reloading = true;
    request.onreadystatechange = function () {
      if (request.readyState !== 4) {
        return;
      }
      request.onreadystatechange = null;
      state.reloading = false;
      if (request.status === 200 && request.responseText.indexOf('data-shell="' + shell + '"') >= 0) {
        window.location.replace(address);
      }
    };
    try {
      request.open('GET', address, true);
      request.timeout = 20000;
      request.send();
    } catch (e) {
      state.reloading = false;
    }
  }

  function findSlide(id) {
    var i, slides = state.data.slides;
    for (i = 0; i < slides.length; i += 1) {
      if (slides[i].id === id) {
        return slides[i];
      }
    }
    return null;
  }

  function isCurrent(slide, t) {
    return slide.start <= t && (slide.end === null || slide.end === undefined || t < slide.end);
  }

  /* The slide after the last one shown of a group, wrapping round. */
  function following(list, lastId) {
    var i;
    for (i = 0; i < list.length; i += 1) {
      if (list[i].id === lastId) {
        return list[(i + 1) % list.length];
      }
    }
    return list[0];
  }

  /* Urgent notices come first and return at least every other slide; a slide whose start has just
     come is shown next, so a scheduled notice appears at its start rather than when its turn comes. */
  function pickNext() {
    var t = now(), urgent = [], normal = [], fresh = null, i, slide, pick = null;
    for (i = 0; i < state.data.slides.length; i += 1) {
      slide = state.data.slides[i];
      if (isCurrent(slide, t)) {
        (slide.urgent ? urgent : normal).push(slide);
        if (slide.start > state.pickedAt && state.pickedAt && (!fresh || (slide.urgent && !fresh.urgent))) {
          fresh = slide;
        }
      }
    }
    state.pickedAt = t;
    if (fresh) {
      pick = fresh;
      state.lastId[fresh.urgent ? 'urgent' : 'normal'] = fresh.id;
    } else if (urgent.length && (!state.lastUrgent || !normal.length)) {
      pick = following(urgent, state.lastId.urgent);
      state.lastId.urgent = pick.id;
    } else if (normal.length) {
      pick = following(normal, state.lastId.normal);
      state.lastId.normal = pick.id;
    }
    state.lastUrgent = !!(pick && pick.urgent);
    return pick;
  }

  function floorPx() {
    var w = window.innerWidth || doc.documentElement.clientWidth;
    var h = window.innerHeight || doc.documentElement.clientHeight;
    return Math.ceil(FLOOR * Math.min(w, h) * 100) / 100 + 0.2;
  }

  /* Sub-pixel layout can clip a last line that scrollHeight still rounds into the box: compare edges too. */
  function overflows(box) {
    var last = box.lastChild;
    if (box.scrollHeight > box.clientHeight || box.scrollWidth > box.clientWidth) {
      return true;
    }
    return !!last && last.getBoundingClientRect().bottom > box.getBoundingClientRect().bottom - 1;
  }

  /* Make a slide fit its box, giving up the least first: the title shrinks (not below TITLE_MIN), signs go
     from the last (one stays), then the facts marked to drop; then a long last sign and the text are cut short
     with "…", so the warning under them stays on screen; only then the title goes down to the floor. */
  function fit(slideNode) {
    var box = slideNode.querySelector('.slide-body');
    var title = slideNode.querySelector('.slide-title');
    var floor = floorPx();
    var size = Math.round(floor * 2);
    var guard = 0, cuts = 0, items, drops, texts;
    if (!box || !title) {
      return;
    }
    title.style.fontSize = size + 'px';
    while (overflows(box) && guard < 200) {
      guard += 1;
      if (size > floor * TITLE_MIN) {
        size = Math.max(floor * TITLE_MIN, size - Math.max(1, floor * 0.1));
        title.style.fontSize = size + 'px';
        continue;
      }
      items = box.querySelectorAll('.slide-signs li');
      if (items.length > 1) {
        items[items.length - 1].parentNode.removeChild(items[items.length - 1]);
        continue;
      }
      drops = box.querySelectorAll('.drop');
      if (drops.length) {
        drops[drops.length - 1].parentNode.removeChild(drops[drops.length - 1]);
        continue;
      }
      texts = box.querySelectorAll('.slide-text, .slide-signs li');  /* the text, then the one sign left */
      if (cuts < texts.length) {
        cuts += 1;
        cutShort(texts[texts.length - cuts], box);  /* the sign first */
        continue;
      }
      if (size > floor) {
        size = floor;
        title.style.fontSize = size + 'px';
        continue;
      }
      break;
    }
  }

  /* The longest start of a text (at least a few characters) that lets the box fit, ending in "…". */
  function cutShort(node, box) {
    var text = node.textContent, low = 6, high = text.length - 1, middle;
    if (text.length <= low) {
      return;
    }
    while (low < high) {
      middle = Math.ceil((low + high) / 2);
      setText(node, text.slice(0, middle) + '…');
      if (overflows(box)) {
        high = middle - 1;
      } else {
        low = middle;
      }
    }
    setText(node, text.slice(0, low) + '…');
  }

  /* The stage fills what the bars leave; their height follows their text (a long title wraps on a portrait
     screen), so it is measured again whenever that text may have changed it. */
  function layoutBars() {
    var top = doc.getElementById('screen-top').offsetHeight, bottom = doc.getElementById('screen-bottom').offsetHeight;
    if (top === state.barTop && bottom === state.barBottom) {
      return false;
    }
    state.barTop = top;
    state.barBottom = bottom;
    stage.style.top = top + 'px';
    stage.style.bottom = bottom + 'px';
    return true;
  }

  function relayout() {
    if (layoutBars() && state.currentHtml) {  /* a slide of ours is on show (not the page's own first one) */
      render(state.currentHtml, root.className === 'is-urgent');
    }
  }

  /* Put a slide on the stage: the new one is built off-screen and swapped in, so no blank frame. */
  function render(html, urgent) {
    var holder = doc.createElement('div'), node, old = stage.firstChild;
    holder.innerHTML = html;
    node = holder.firstChild;
    holder.removeChild(node);
    if (old) {
      stage.replaceChild(node, old);
    } else {
      stage.appendChild(node);
    }
    while (node.nextSibling) {
      stage.removeChild(node.nextSibling);
    }
    root.className = urgent ? 'is-urgent' : '';
    fit(node);
    state.shows += 1;
  }

  function show(slide) {
    state.current = slide ? slide.id : null;
    state.currentHtml = slide ? slide.html : state.data.idle;
    state.shownAt = new Date().getTime();
    render(state.currentHtml, !!(slide && slide.urgent));
    updateBars();
  }

  function rotate() {
    show(pickNext());
    scheduleRotate();
  }

  function scheduleRotate() {
    clearTimeout(state.rotateTimer);
    state.rotateTimer = setTimeout(rotate, state.data.seconds * 1000);
  }

  function updateBars() {
    var t = now(), d = wall(t), week = '日一二三四五六';
    var elapsed = (new Date().getTime() - state.shownAt) / (state.data.seconds * 1000);
    setText(clockNode, (d.getUTCMonth() + 1) + '月' + d.getUTCDate() + '日 星期' + week.charAt(d.getUTCDay()) +
      ' ' + hhmm(t));
    /* a snapshot has no time it was updated; a single slide's page is as new as its player's last load */
    setText(statusNode, source ? updatedAt(t) : offline ? '离线版' : '');
    progressNode.style.width = Math.max(0, Math.min(100, Math.round(elapsed * 100))) + '%';
    relayout();
  }

  /* Estimate the device clock's error from the server's Date header (one-second resolution). */
  function correctClock(dateHeader, sent, received) {
    var server = Date.parse(dateHeader || '');
    var estimate;
    /* A slow round trip says little about when the server answered. */
    if (isNaN(server) || received - sent > 5000) {
      return;
    }
    estimate = server + 500 - (sent + received) / 2;
    if (Math.abs(estimate - state.offset) > 1500) {
      state.offset = estimate;
    }
  }

  /* After new data: a changed slide on show is swapped in place; a vanished one leaves at the next turn. */
  function refreshShown() {
    var slide = state.current === null ? null : findSlide(state.current);
    if (slide && slide.html !== state.currentHtml) {
      state.currentHtml = slide.html;
      render(slide.html, slide.urgent);
    }
    if (state.current === null) {
      rotate();
    }
  }

  function check() {
    var request, sent = new Date().getTime(), finished = false;
    if (!source) {
      return;
    }
    request = new XMLHttpRequest();
    state.request = request;
    function done() {
      var received = new Date().getTime(), text = request.responseText;
      if (finished) {
        return;
      }
      finished = true;
      request.onreadystatechange = null;
      state.request = null;
      state.checks += 1;
      if (request.status === 200 && accept(text)) {
        correctClock(request.getResponseHeader('Date'), sent, received);
        state.synced = now();
        refreshShown();
        updateBars();
      }
      scheduleCheck();
    }
    request.onreadystatechange = function () {
      if (request.readyState === 4) {
        done();
      }
    };
    try {
      /* A unique query string gets past caches in front of the player. */
      request.open('GET', source + (source.indexOf('?') < 0 ? '?' : '&') + 't=' + sent, true);
      request.timeout = 20000;
      request.send();
    } catch (e) {
      finished = true;
      state.request = null;
      scheduleCheck();
    }
  }

  function scheduleCheck() {
    clearTimeout(state.checkTimer);
    state.checkTimer = setTimeout(check, state.data.refresh * 1000);
  }

  function start() {
    var embedded = doc.getElementById('screen-data');
    if (!accept(embedded.text || embedded.textContent)) {
      return;
    }
    state.synced = now();
    state.shownAt = new Date().getTime();
    updateBars();  /* the clock's text first: the top bar's height depends on it */
    rotate();
    state.clockTimer = setInterval(updateBars, 1000);
    if (source) {
      check();
    }
    window.onresize = function () {
      state.barTop = -1;  /* measure again even if the bars kept their height */
      relayout();
    };
  }

  /* For tests and staff: inspect the slideshow and show one slide by id. */
  window.FraudScreen = {
    ids: function () {
      var ids = [], i;
      for (i = 0; i < state.data.slides.length; i += 1) {
        ids.push(state.data.slides[i].id);
      }
      return ids;
    },
    current: function () {
      return state.current;
    },
    show: function (id) {
      show(findSlide(id));
      scheduleRotate();
    },
    stats: function () {
      return { checks: state.checks, swaps: state.swaps, shows: state.shows, offset: state.offset,
               reloading: state.reloading };
    }
  };

  start();
}());
