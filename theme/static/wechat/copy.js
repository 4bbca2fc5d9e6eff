/* 复制到公众号: puts the article on the clipboard as text/html (plus text/plain).
   Uses the async clipboard API where it exists (https, localhost); elsewhere, as on plain-http
   intranet pages, a selection plus document.execCommand('copy') whose copy event carries the data.
   Written in ES5 so old office browsers run it too. */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('wx-data').textContent);
  var status = document.getElementById('wx-status');
  var article = document.getElementById('wx-article');

  function say(message) {
    status.textContent = message;
  }

  // The fallback: select the node (so even a browser ignoring setData copies something sensible),
  // and let the copy event put exactly our data on the clipboard.
  function copyBySelection(node, html, text) {
    var handled = false;
    function onCopy(event) {
      if (html !== null) { event.clipboardData.setData('text/html', html); }
      event.clipboardData.setData('text/plain', text);
      event.preventDefault();
      handled = true;
    }
    var selection = window.getSelection(), focused = document.activeElement;
    if (node.select) {
      node.select();  // a form field selects its own text
    } else {
      var range = document.createRange();
      range.selectNodeContents(node);
      selection.removeAllRanges();
      selection.addRange(range);
    }
    document.addEventListener('copy', onCopy);
    var ok = false;
    try {
      ok = document.execCommand('copy');
    } catch (error) {
      ok = false;
    }
    document.removeEventListener('copy', onCopy);
    selection.removeAllRanges();
    // Back to the button: selecting a field focused it, which opens a phone's keyboard and loses a keyboard
    // user's place.
    if (focused && focused !== node && focused.focus) {
      focused.focus();
    }
    return ok || handled;
  }

  // A list item's marker as the list shows it: 1. 2. … or a. b. … counted from its start, else a bullet.
  function marker(type, number) {
    if (type === 'decimal') { return number + '. '; }
    if (type !== 'lower-alpha' && type !== 'lower-latin') { return type === 'none' ? '' : '• '; }
    var letters = '';
    for (; number > 0; number = Math.floor(number / 26)) {
      number -= 1;
      letters = String.fromCharCode(97 + number % 26) + letters;
    }
    return letters + '. ';
  }

  // The plain text as shown. innerText leaves out list markers, which CSS draws ("1. 第一步" read "第一步"), so
  // each is written into its item while the text is read, then taken out again.
  function plainText(node) {
    var lists = node.querySelectorAll('ol, ul'), added = [];
    for (var i = 0; i < lists.length; i++) {
      var type = window.getComputedStyle(lists[i]).listStyleType;
      var number = parseInt(lists[i].getAttribute('start'), 10);
      number = isNaN(number) ? 1 : number;
      for (var item = lists[i].firstElementChild; item; item = item.nextElementSibling) {
        if (item.tagName !== 'LI') { continue; }
        var span = document.createElement('span'), first = item.firstElementChild;
        span.textContent = marker(type, number++);
        // Into the item's first line, not before it: an item's text is in sections, which are blocks.
        var line = first && first.tagName !== 'OL' && first.tagName !== 'UL' ? first : item;
        line.insertBefore(span, line.firstChild);
        added.push(span);
      }
    }
    var text = node.innerText;
    for (var j = 0; j < added.length; j++) {
      added[j].parentNode.removeChild(added[j]);
    }
    return text;
  }

  function hasAsyncClipboard(rich) {
    return !!(navigator.clipboard && (rich ? navigator.clipboard.write && window.ClipboardItem : navigator.clipboard.writeText));
  }

  // Copies, then calls done(ok). A callback, not a promise: the browsers that need the fallback have no Promise.
  function copy(node, html, text, done) {
    if (hasAsyncClipboard(html !== null)) {
      var writing = html !== null
        ? navigator.clipboard.write([new window.ClipboardItem({
            'text/html': new Blob([html], {type: 'text/html'}),
            'text/plain': new Blob([text], {type: 'text/plain'})
          })])
        : navigator.clipboard.writeText(text);
      writing.then(function () { done(true); }, function () { done(copyBySelection(node, html, text)); });
      return;
    }
    done(copyBySelection(node, html, text));
  }

  document.getElementById('wx-copy-article').addEventListener('click', function () {
    copy(article, data.html, plainText(article), function (ok) {
      say(ok ? '已复制全文：请到公众号编辑器的正文处粘贴（Ctrl+V）。'
             : '复制失败：请手动选中文章预览的全部内容，再复制粘贴。');
    });
  });

  var buttons = document.querySelectorAll('button[data-copy]');
  for (var i = 0; i < buttons.length; i++) {
    buttons[i].addEventListener('click', function (event) {
      var field = document.getElementById(event.currentTarget.getAttribute('data-copy'));
      var label = event.currentTarget.textContent.replace('复制', '');
      copy(field, null, field.value, function (ok) {
        say(ok ? '已复制' + label + '。' : '复制失败：请手动选中' + label + '再复制。');
      });
    });
  }
})();
