/* Site search on static files. Matching rules mirror src/fraudsite/searchindex.py (run_query):
   keys are single characters and adjacent pairs; a longer term is checked as an exact substring
   in the item's own text before it is shown. Plain ES5, no outside requests.
   Every index file is named by a hash of its bytes (searchindex.py): current.json names the meta file, which names
   the rest. The page asks for current.json at every search, and for a file the site no longer has (a rebuild
   replaced the index since) it searches once more: a page never mixes two builds' files. */
(function () {
  "use strict";

  var app = document.getElementById("search-app");
  if (!app) {
    return;
  }
  if (!window.XMLHttpRequest || !window.Promise || !Math.imul) {
    // Old office browsers (IE 11): say so instead of leaving a form that silently does nothing.
    document.getElementById("search-status").textContent = "当前浏览器版本过旧，无法使用站内搜索。请换用新版浏览器，或按诈骗类型、归档浏览。";
    return;
  }
  var INDEX = app.getAttribute("data-index");
  var BASE = app.getAttribute("data-base");
  var PAGE_SIZE = 10;
  // Items loaded to check a query's words in them, at most, each time results are shown: a query whose pairs of
  // characters are in almost every item but the whole in none (银行转账) fetched the whole index, 6 MB at 1,000 items.
  var CHECK_BUDGET = 40;
  // Gram shards (8 KB each) a query's keys may lie in: a long paste is searched as far as they go (a message of 300
  // characters asked for 211 files, 1.3 MB at 1,000 items). searchindex.py: MAX_QUERY_SHARDS.
  var MAX_QUERY_SHARDS = 16;
  var SOME_WORDS = 6; // words a query found nowhere all together is searched for some of (searchindex.py: SOME_WORDS)
  var TITLE = 1, SUMMARY = 2, BODY = 4;
  var FACET_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  var NAME_LENGTH = 5; // characters of a file's hash in its name (searchindex.py: NAME_LENGTH)
  var form = app.querySelector("form");
  var input = document.getElementById("search-q");
  var sectionSelect = document.getElementById("search-section");
  var typeSelect = document.getElementById("search-type");
  var status = document.getElementById("search-status");
  // A site theme's search page made before the clear-filters control has none: a detached stand-in then.
  var clearFilters = document.getElementById("search-clear") || document.createElement("p");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var baseTitle = document.title;
  var cache = {}; // the index's files by path, as promises
  var metaPath = null; // the meta file of the index in the cache
  var current = null; // the search being shown; a newer one replaces it
  var timer = null;

  var MESSAGES = {
    missing: "搜索索引不存在，可能网站正在更新。请稍后再试，或按诈骗类型、归档浏览。",
    network: "网络连接中断，搜索没有完成。请检查网络后再搜索一次。",
    broken: "搜索索引文件不完整，请稍后再试。"
  };

  function SearchError(kind, path) {
    this.kind = kind;
    this.path = path;
  }

  function fetchJson(path) {
    return new Promise(function (resolve, reject) {
      var request = new XMLHttpRequest();
      request.open("GET", INDEX + path);
      request.timeout = 20000;
      request.onload = function () {
        if (request.status !== 200) {
          reject(new SearchError(request.status === 404 ? "missing" : "network", path));
          return;
        }
        try {
          resolve(JSON.parse(request.responseText));
        } catch (error) {
          reject(new SearchError("broken", path));
        }
      };
      request.onerror = request.ontimeout = request.onabort = function () {
        reject(new SearchError("network", path));
      };
      request.send();
    });
  }

  function load(path) {
    var files = cache;
    if (!files[path]) {
      files[path] = fetchJson(path);
      // A failed file is fetched again next time (the network may be back).
      files[path].then(null, function () {
        delete files[path];
      });
    }
    return files[path];
  }

  // The current index's meta file. current.json is asked for past the browser's cache (the query makes each
  // address new): a rebuild replaces it, and the files of an index it no longer names are dropped. Should it not
  // come (the reader went offline, on a train), the index the page holds answers: its files are one build's, and a
  // search again of what was found before needs nothing more.
  function loadMeta() {
    return fetchJson("current.json?" + new Date().getTime()).then(function (entry) {
      if (entry.meta !== metaPath) {
        cache = {};
        metaPath = entry.meta;
      }
      return load(metaPath);
    }, function (error) {
      if (metaPath === null) {
        throw error;
      }
      return load(metaPath);
    });
  }

  function named(folder, names, number) {
    return folder + number + "." + names.substr(number * NAME_LENGTH, NAME_LENGTH) + ".json";
  }

  function shardPath(meta, number) {
    return named("grams/", meta.shard_names, number);
  }

  function docPath(meta, number) {
    return named("docs/", meta.doc_names, number);
  }

  // An index file that is gone, or is not JSON (a host's 404 page sent as 200): a rebuild may have replaced it.
  function isReplaced(error) {
    return error instanceof SearchError && error.kind !== "network" && error.path.indexOf("current.json") !== 0;
  }

  /* ---- matching rules (same as searchindex.py) ---- */

  function fold(text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if ((code >= 0xFF10 && code <= 0xFF19) || (code >= 0xFF21 && code <= 0xFF3A) || (code >= 0xFF41 && code <= 0xFF5A)) {
        code -= 0xFEE0;
      }
      if (code >= 0x41 && code <= 0x5A) {
        code += 0x20;
      }
      out += String.fromCharCode(code);
    }
    return out;
  }

  function codePoints(text) {
    var points = [];
    for (var i = 0; i < text.length; i++) {
      var code = text.charCodeAt(i);
      if (code >= 0xD800 && code <= 0xDBFF && i + 1 < text.length) {
        var low = text.charCodeAt(i + 1);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          points.push(text.charAt(i) + text.charAt(i + 1));
          i++;
          continue;
        }
      }
      points.push(text.charAt(i));
    }
    return points;
  }

  function codeOf(ch) {
    if (ch.length === 2) {
      return (ch.charCodeAt(0) - 0xD800) * 0x400 + (ch.charCodeAt(1) - 0xDC00) + 0x10000;
    }
    return ch.charCodeAt(0);
  }

  function isGramChar(ch) {
    var code = codeOf(ch);
    if (code < 0x80) {
      return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5A) || (code >= 0x61 && code <= 0x7A);
    }
    if (code < 0x2E80) {
      return code >= 0xC0 && code <= 0x24F && code !== 0xD7 && code !== 0xF7;
    }
    return !((code >= 0x3000 && code <= 0x303F) || (code >= 0xFE10 && code <= 0xFE6F) || (code >= 0xFF00 && code <= 0xFF65));
  }

  function runs(text) {
    var found = [], current = [];
    var points = codePoints(text);
    for (var i = 0; i < points.length; i++) {
      if (isGramChar(points[i])) {
        current.push(points[i]);
      } else if (current.length) {
        found.push(current);
        current = [];
      }
    }
    if (current.length) {
      found.push(current);
    }
    return found;
  }

  function termGrams(term) {
    var grams = [];
    var found = runs(fold(term));
    for (var r = 0; r < found.length; r++) {
      var run = found[r];
      var pairs = [];
      if (run.length === 1) {
        pairs.push(run[0]);
      }
      for (var i = 0; i + 1 < run.length; i++) {
        pairs.push(run[i] + run[i + 1]);
      }
      for (var p = 0; p < pairs.length; p++) {
        if (grams.indexOf(pairs[p]) < 0) {
          grams.push(pairs[p]);
        }
      }
    }
    return grams;
  }

  // A query found nowhere as written whose words of Chinese characters may be words run together (兼职刷单: the
  // text has 兼职 and 刷单, never side by side, and readers of Chinese seldom type spaces): those words apart, cut
  // where the two characters side by side are in the fewest items (`count`), as searchindex.words_apart does
  // (银行卡冻结: 银行卡 冻结); null if none is cut.
  function wordsApart(terms, count) {
    var apart = [], split = false;
    for (var t = 0; t < terms.length; t++) {
      var points = codePoints(terms[t]);
      var han = points.every(function (ch) { return /^[\u3400-\u9fff\uf900-\ufaff]$/.test(ch); });
      var words = han ? cutApart(points, count) : [terms[t]];
      for (var w = 0; w < words.length; w++) {
        if (apart.indexOf(words[w]) < 0) {
          apart.push(words[w]);
        }
      }
      split = split || words.length > 1;
    }
    return split ? apart : null;
  }

  // A word of four characters or more is cut where both sides keep two; one of three only at a pair found nowhere.
  function cutApart(points, count) {
    var best = -1, fewest = 0;
    for (var i = 1; i < points.length; i++) {
      var found = count(fold(points[i - 1] + points[i]));
      var allowed = points.length >= 4 ? i >= 2 && i <= points.length - 2 : points.length === 3 && found === 0;
      if (allowed && (best < 0 || found < fewest)) {
        best = i;
        fewest = found;
      }
    }
    return best < 0 ? [points.join("")] :
      cutApart(points.slice(0, best), count).concat(cutApart(points.slice(best), count));
  }

  function termShards(term, shardCount) {
    var shards = {}, forms = needleForms(term);
    for (var f = 0; f < forms.length; f++) {
      var grams = termGrams(forms[f]);
      for (var g = 0; g < grams.length; g++) {
        shards[gramHash(grams[g]) % shardCount] = true;
      }
    }
    return shards;
  }

  function countUnion(used, shards) {
    var count = Object.keys(used).length;
    for (var key in shards) {
      count += used[key] ? 0 : 1;
    }
    return count;
  }

  // The query's terms as far as their keys lie in at most MAX_QUERY_SHARDS shards, the term the limit falls in cut
  // there (searchindex.bounded_terms).
  function boundedTerms(terms, shardCount) {
    var used = {}, kept = [];
    for (var t = 0; t < terms.length; t++) {
      var shards = termShards(terms[t], shardCount);
      if (countUnion(used, shards) > MAX_QUERY_SHARDS) {
        var points = codePoints(terms[t]), fits = 0;
        for (var end = 1; end < points.length; end++) {
          if (countUnion(used, termShards(points.slice(0, end).join(""), shardCount)) <= MAX_QUERY_SHARDS) {
            fits = end;
          }
        }
        return fits ? kept.concat(splitTerms(points.slice(0, fits).join("")).slice(0, 1)) : kept;
      }
      for (var key in shards) {
        used[key] = true;
      }
      kept.push(terms[t]);
    }
    return kept;
  }

  // Of a query found nowhere all together, the words its results are to have some of: the SOME_WORDS rarest that
  // some item has, of two characters or more, in the query's order (searchindex.some_words).
  function someWords(words, count) {
    var long = words.filter(function (word) {
      var found = runs(fold(word)), length = 0;
      for (var r = 0; r < found.length; r++) {
        length += found[r].length;
      }
      return length >= 2 && count(word) > 0;
    });
    var rarest = long.slice().sort(function (a, b) {
      return count(a) - count(b) || words.indexOf(a) - words.indexOf(b);
    }).slice(0, SOME_WORDS);
    return words.filter(function (word) { return rarest.indexOf(word) >= 0; });
  }

  function isExact(term) {
    var folded = fold(term);
    var found = runs(folded);
    return found.length === 1 && found[0].length <= 2 && found[0].join("") === folded && !/[0-9]/.test(folded);
  }

  function gramHash(gram) {
    var value = 0x811C9DC5;
    var points = codePoints(gram);
    for (var i = 0; i < points.length; i++) {
      value = Math.imul((value ^ codeOf(points[i])) >>> 0, 0x01000193) >>> 0;
    }
    return value;
  }

  // A comma (or full-width comma) between digits that groups thousands: 3,500 and ３，５００ are 3500.
  var DIGIT_GROUP = /([0-9\uFF10-\uFF19])[,\uFF0C](?=[0-9\uFF10-\uFF19]{3}(?![0-9\uFF10-\uFF19]))/g;

  var NUMBER_PART = /[0-9\uFF10-\uFF19,\uFF0C]/;

  function joinDigitGroups(text) {
    return text.replace(DIGIT_GROUP, "$1");
  }

  // Text as terms are matched in it: folded, digit groups joined (searchindex.matchable).
  function matchText(text) {
    return fold(joinDigitGroups(text));
  }

  // matchText's text, with where each of its characters is in the text, and the text's end last: a passage shows
  // 3,500 as written, marked.
  function matchable(text) {
    var separators = {}, found, kept = "", places = [];
    DIGIT_GROUP.lastIndex = 0;
    while ((found = DIGIT_GROUP.exec(text)) !== null) {
      separators[found.index + 1] = true;
    }
    for (var i = 0; i < text.length; i++) {
      if (!separators[i]) {
        kept += text.charAt(i);
        places.push(i);
      }
    }
    places.push(text.length);
    return { folded: fold(kept), places: places };
  }

  // Terms between spaces and between quotes or Chinese punctuation, without what is not a key character at either end.
  var TERM_BREAK = /[\s\u3000，、；。！？：,;!?“”‘’"'「」『』《》〈〉（）()【】<>|＜＞｜]+/;

  // A dash, slash or dot between two Chinese (or full-width) characters parts terms too; between ASCII ones it stays.
  function splitAtWideJoiners(part) {
    var pieces = [], points = codePoints(part), start = 0;
    for (var i = 1; i + 1 < points.length; i++) {
      if ("-/·－／・".indexOf(points[i]) >= 0 && codeOf(points[i - 1]) > 0x7F && codeOf(points[i + 1]) > 0x7F) {
        pieces.push(points.slice(start, i).join(""));
        start = i + 1;
      }
    }
    pieces.push(points.slice(start).join(""));
    return pieces;
  }

  function splitTerms(query) {
    var terms = [], seen = [], parts = [], broken = joinDigitGroups(query).split(TERM_BREAK);
    for (var b = 0; b < broken.length; b++) {
      parts = parts.concat(splitAtWideJoiners(broken[b]));
    }
    for (var i = 0; i < parts.length; i++) {
      var points = codePoints(parts[i]), folded = codePoints(fold(parts[i])), first = 0, last = points.length;
      while (first < last && !isGramChar(folded[first])) {
        first++;
      }
      while (last > first && !isGramChar(folded[last - 1])) {
        last--;
      }
      var term = points.slice(first, last).join("");
      if (term && seen.indexOf(fold(term)) < 0) {
        terms.push(term);
        seen.push(fold(term));
      }
    }
    return terms;
  }

  // An address as the index holds it (defang.py): hxxps://www[.]12321[.]cn/x, for a term typed plainly.
  function defang(url) {
    var at = url.indexOf("://"), scheme = "", sep = "", rest = url;
    if (at >= 0) {
      scheme = url.slice(0, at);
      sep = "://";
      rest = url.slice(at + 3);
    }
    var cut = rest.length, stops = ["/", "?", "#"];
    for (var i = 0; i < stops.length; i++) {
      var stop = rest.indexOf(stops[i]);
      if (stop >= 0 && stop < cut) {
        cut = stop;
      }
    }
    var host = rest.slice(0, cut).replace(/\./g, function (dot, index, whole) {
      return whole.charAt(index - 1) === "[" && whole.charAt(index + 1) === "]" ? dot : "[.]";
    });
    scheme = scheme.replace(/^(h)tt(ps?)$/i, "$1xx$2").replace("ftp", "fxp");
    return scheme + sep + host + rest.slice(cut);
  }

  // What a term is looked for as: itself, and as an address is written in the index.
  function needleForms(term) {
    var plain = fold(term), defanged = fold(defang(term));
    return plain === defanged ? [plain] : [plain, defanged];
  }

  function isDigit(ch) {
    return ch >= "0" && ch <= "9";
  }

  // Where a needle is in folded text, or -1; a number only where it stands alone as one (3500 is not in 23500).
  function find(folded, needle, from) {
    var at = folded.indexOf(needle, from || 0);
    while (at >= 0) {
      if (!(isDigit(needle.charAt(0)) && isDigit(folded.charAt(at - 1))) &&
          !(isDigit(needle.charAt(needle.length - 1)) && isDigit(folded.charAt(at + needle.length)))) {
        return at;
      }
      at = folded.indexOf(needle, at + 1);
    }
    return -1;
  }

  function decodePostings(encoded) {
    var result = {}, previous = -1;
    for (var i = 0; i < encoded.length; i++) {
      previous += Math.floor(encoded[i] / 8);
      result[previous] = encoded[i] % 8;
    }
    return result;
  }

  function fieldLevel(mask) {
    return mask & TITLE ? 0 : mask & SUMMARY ? 1 : 2;
  }

  // The fields of an item file that hold one of a term's forms: its type's name (doc[10]) counts as the title, its
  // details (doc[9]: loss, tags, issuer, audiences, without their labels) as body.
  function textMask(forms, doc) {
    var mask = 0, fields = [[matchText(doc[1]), TITLE], [matchText(doc[10] || ""), TITLE], [matchText(doc[2]), SUMMARY],
      [matchText(doc[3]), BODY], [matchText(doc[9] || ""), BODY]];
    for (var f = 0; f < fields.length; f++) {
      for (var n = 0; n < forms.length; n++) {
        if (find(fields[f][0], forms[n]) >= 0) {
          mask |= fields[f][1];
          break;
        }
      }
    }
    return mask;
  }

  function facetAllows(meta, number, section, type) {
    var facet = typeof meta.facets === "string" ? FACET_DIGITS.indexOf(meta.facets.charAt(number)) : meta.facets[number];
    if ((section === "cases" && facet === 0) || (section === "notices" && facet !== 0)) {
      return false;
    }
    if (type) {
      for (var i = 0; i < meta.types.length; i++) {
        if (meta.types[i][0] === type) {
          return facet === i + 1;
        }
      }
      return false;
    }
    return true;
  }

  /* ---- one search: candidates, then exact checks page by page ---- */

  // The items whose postings hold every term, or, with `some`, some of the someWords of the terms (`chosen`).
  function findCandidates(meta, terms, section, type, some) {
    // Each term's keys for each of its forms (a pasted http:// link is held as hxxp:// in the index).
    var gramsOf = [], shardNumbers = [];
    for (var t = 0; t < terms.length; t++) {
      gramsOf.push(needleForms(terms[t]).map(termGrams));
      for (var f = 0; f < gramsOf[t].length; f++) {
        for (var g = 0; g < gramsOf[t][f].length; g++) {
          var number = gramHash(gramsOf[t][f][g]) % meta.shards;
          if (shardNumbers.indexOf(number) < 0) {
            shardNumbers.push(number);
          }
        }
      }
    }
    return Promise.all(shardNumbers.map(function (n) { return load(shardPath(meta, n)); })).then(function (shards) {
      var byNumber = {}, counts = {};
      for (var s = 0; s < shards.length; s++) {
        byNumber[shardNumbers[s]] = shards[s];
      }
      function holding(grams) {
        var found = null;
        for (var g = 0; g < grams.length; g++) {
          var shard = byNumber[gramHash(grams[g]) % meta.shards];
          var postings = decodePostings(Object.prototype.hasOwnProperty.call(shard, grams[g]) ? shard[grams[g]] : []);
          counts[grams[g]] = Object.keys(postings).length;
          if (found === null) {
            found = postings;
          } else {
            var next = {};
            for (var key in found) {
              if (found[key] & (postings[key] || 0)) {
                next[key] = found[key] & postings[key];
              }
            }
            found = next;
          }
        }
        return found || {};
      }
      var perTerm = gramsOf.map(function (forms) {
        var either = {};
        for (var f = 0; f < forms.length; f++) {
          var found = holding(forms[f]);
          for (var key in found) {
            either[key] = (either[key] || 0) | found[key];
          }
        }
        return either;
      });
      var chosen = terms, found = {}, sizes = {};
      if (some) {
        for (var w = 0; w < terms.length; w++) {
          sizes[terms[w]] = Object.keys(perTerm[w]).length;
        }
        chosen = someWords(terms, function (word) { return sizes[word]; });
        perTerm = perTerm.filter(function (docs, w) { return chosen.indexOf(terms[w]) >= 0; });
      }
      for (var p = 0; p < (some ? perTerm.length : Math.min(perTerm.length, 1)); p++) {
        for (var doc in perTerm[p]) {
          found[doc] = true;
        }
      }
      // Those the filters leave out are kept too: with no result left, the page says how many they hid.
      var shown = [], hidden = [], expired = meta.expired || [];
      for (var key in found) {
        var number = Number(key), candidate = { doc: number, level: 0, missing: 0, weight: 0,
          expired: expired.indexOf(number) >= 0 ? 1 : 0, checked: false, data: null };
        for (var t = 0; t < perTerm.length; t++) {
          addMatch(candidate, perTerm[t][key] || 0, some ? sizes[chosen[t]] : 0);
        }
        if (some ? candidate.missing < perTerm.length : !candidate.missing) {
          (facetAllows(meta, number, section, type) ? shown : hidden).push(candidate);
        }
      }
      return { shown: sortCandidates(shown), hidden: sortCandidates(hidden), counts: counts, chosen: chosen,
        sizes: sizes };
    });
  }

  // A term's field mask in a candidate: its level, or one term it lacks; `size`, the items with the term in all.
  function addMatch(candidate, mask, size) {
    if (mask) {
      candidate.level += fieldLevel(mask);
      candidate.weight += size;
    } else {
      candidate.missing++;
    }
  }

  // Most terms first (all, but for a search for some), the rarer terms (fewer items in all), the better fields; on
  // equal rank a current item before an expired notice, then the newer: items are numbered oldest first.
  function sortCandidates(candidates) {
    return candidates.sort(function (a, b) {
      return a.missing - b.missing || a.weight - b.weight || a.level - b.level || a.expired - b.expired ||
        b.doc - a.doc;
    });
  }

  // Load and check a queue's candidates from the top until `want` confirmed results lead it, or the search's
  // budget of items to load is spent; the confirmed results leading it.
  function confirm(search, queue, want) {
    if (search !== current) {
      return Promise.resolve([]); // a newer search replaced this one: stop loading for it
    }
    var pending = [], leading = 0;
    for (var i = 0; i < queue.length && i < want && pending.length < search.budget; i++) {
      if (!queue[i].checked) {
        pending.push(queue[i]);
      }
    }
    if (!pending.length) {
      while (leading < queue.length && leading < want && queue[leading].checked) {
        leading++;
      }
      return Promise.resolve(queue.slice(0, leading));
    }
    search.budget -= pending.length;
    return Promise.all(pending.map(function (c) { return load(docPath(search.meta, c.doc)); })).then(function (docs) {
      for (var i = 0; i < pending.length; i++) {
        var candidate = pending[i];
        candidate.data = docs[i];
        candidate.checked = true;
        if (!search.exact) {
          candidate.level = candidate.missing = candidate.weight = 0;
          for (var t = 0; t < search.forms.length; t++) {
            addMatch(candidate, textMask(search.forms[t], docs[i]),
              search.some ? search.sizes[search.terms[t]] : 0);
          }
          if (search.some ? candidate.missing === search.terms.length : candidate.missing) {
            queue.splice(queue.indexOf(candidate), 1);
          }
        }
      }
      sortCandidates(queue);
      return confirm(search, queue, want);
    });
  }

  /* ---- showing results ---- */

  function highlight(parent, text, needles) {
    var match = matchable(text), ranges = [];
    for (var n = 0; n < needles.length; n++) {
      var at = find(match.folded, needles[n]);
      while (at >= 0 && needles[n]) {
        ranges.push([match.places[at], match.places[at + needles[n].length - 1] + 1]);
        at = find(match.folded, needles[n], at + needles[n].length);
      }
    }
    ranges.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var position = 0;
    for (var r = 0; r < ranges.length; r++) {
      var start = Math.max(ranges[r][0], position), end = ranges[r][1];
      if (end <= position) {
        continue;
      }
      parent.appendChild(document.createTextNode(text.slice(position, start)));
      var mark = document.createElement("mark");
      mark.textContent = text.slice(start, end);
      parent.appendChild(mark);
      position = end;
    }
    parent.appendChild(document.createTextNode(text.slice(position)));
  }

  function passage(doc, needles) {
    var body = doc[3], match = matchable(body), first = -1;
    for (var n = 0; n < needles.length; n++) {
      var at = find(match.folded, needles[n]);
      if (at >= 0 && (first < 0 || match.places[at] < first)) {
        first = match.places[at];
      }
    }
    if (first < 0) {
      var cut = 110 + (isLowSurrogate(body.charCodeAt(110)) ? 1 : 0);
      return doc[2] || body.slice(0, cut) + (body.length > cut ? "…" : "");
    }
    var start = Math.max(0, first - 30), end = Math.min(body.length, start + 110);
    start = Math.max(0, Math.min(start, end - 110));
    // Never from or to the middle of a number: its end would be read, and marked, as a number of its own.
    while (start > 0 && NUMBER_PART.test(body.charAt(start - 1)) && NUMBER_PART.test(body.charAt(start))) {
      start--;
    }
    while (end < body.length && NUMBER_PART.test(body.charAt(end - 1)) && NUMBER_PART.test(body.charAt(end))) {
      end++;
    }
    // Nor through a character written as two UTF-16 units (an emoji, 𠮷): its half shows as �.
    start -= start > 0 && isLowSurrogate(body.charCodeAt(start)) ? 1 : 0;
    end += end < body.length && isLowSurrogate(body.charCodeAt(end)) ? 1 : 0;
    return (start > 0 ? "…" : "") + body.slice(start, end) + (end < body.length ? "…" : "");
  }

  function isLowSurrogate(code) {
    return code >= 0xDC00 && code <= 0xDFFF;
  }

  function formatDate(iso) {
    var parts = iso.split("-");
    return Number(parts[0]) + "年" + Number(parts[1]) + "月" + Number(parts[2]) + "日";
  }

  function typeName(meta, key) {
    for (var i = 0; i < meta.types.length; i++) {
      if (meta.types[i][0] === key) {
        return meta.types[i][1];
      }
    }
    return "";
  }

  function addBadge(parent, className, text) {
    var badge = document.createElement("span");
    badge.className = className;
    badge.textContent = text;
    if (parent.firstChild) {
      parent.appendChild(document.createTextNode(" "));
    }
    parent.appendChild(badge);
  }

  function renderResult(meta, doc, needles) {
    var item = document.createElement("li");
    item.className = "search-result";
    var heading = document.createElement("h2");
    var link = document.createElement("a");
    link.href = BASE + doc[0];
    highlight(link, doc[1], needles);
    heading.appendChild(link);
    item.appendChild(heading);
    var info = document.createElement("p");
    info.className = "meta";
    // The badges of a list's card (_card.html), so a reader does not act on a notice that has expired.
    addBadge(info, "badge", doc[5] === "cases" ? "案例" : "通知");
    if (doc[6]) {
      addBadge(info, "badge type", typeName(meta, doc[6]));
    }
    if (doc[7]) {
      item.className += " urgent";
      addBadge(info, "badge alert", "紧急");
    }
    if (doc[8]) {
      addBadge(info, "badge expired", "已过期");
    }
    var time = document.createElement("time");
    time.setAttribute("datetime", doc[4]);
    time.textContent = formatDate(doc[4]);
    info.appendChild(document.createTextNode(" "));
    info.appendChild(time);
    item.appendChild(info);
    var text = document.createElement("p");
    text.className = "passage";
    highlight(text, passage(doc, needles), needles);
    item.appendChild(text);
    return item;
  }

  function setStatus(text) {
    status.textContent = text;
  }

  function isSettled(search, queue) {
    return search.exact || queue.every(function (c) { return c.checked; });
  }

  function countText(search) {
    var shortened = search.shortened ? "输入的内容较长，只搜索了前面一部分。" : "";
    if ((search.joined || search.some) && !search.queue.length && !search.hidden.length) {  // nothing: as typed
      return shortened + "没有找到包含“" + search.typed.join(" ") + "”的内容。请换个说法，或减少关键词。";
    }
    if (search.some) {
      return shortened + "没有同时包含全部词语的内容，以下是包含其中部分词语（“" + search.terms.join(" ") + "”）的结果。" +
        resultsText(search);
    }
    var apart = search.joined ? "没有找到连在一起的“" + search.joined.join(" ") + "”，已分开搜索“" + search.terms.join(" ") + "”。" : "";
    return shortened + apart + resultsText(search);
  }

  function resultsText(search) {
    if (!search.queue.length && search.hidden.length) {
      return "没有符合筛选条件的结果。" + (isSettled(search, search.hidden) ? "有 " : "约有 ") + search.hidden.length +
        " 条包含“" + search.terms.join(" ") + "”的结果不符合筛选条件。";
    }
    if (!search.queue.length) {
      return "没有找到包含“" + search.terms.join(" ") + "”的内容。请换个说法，或减少关键词。";
    }
    return "找到" + (isSettled(search, search.queue) ? " " : "约 ") + search.queue.length + " 条结果";
  }

  // Show the search's results up to `search.want`.
  function showNext(search) {
    more.hidden = true;
    search.budget = CHECK_BUDGET;
    return confirm(search, search.queue, search.want).then(function (confirmed) {
      // Nothing left by the filters: check that what they hid holds the words before offering to clear them.
      return confirmed.length ? confirmed : confirm(search, search.hidden, 1).then(function () { return confirmed; });
    }).then(function (confirmed) {
      if (search !== current) {
        return;
      }
      // Found in none of the candidates checked (all of them, or the budget's best): words run together are
      // searched apart at once; words that cannot be cut keep their candidates, checked on as the reader asks.
      var none = !confirmed.length && !(search.hidden.length && search.hidden[0].checked);
      var apart = !none || search.joined || search.some ? null :
        wordsApart(search.terms, function (pair) { return search.counts[pair] || 0; });
      if (apart) {  // found nowhere as written: the words apart are searched, and the status says so
        search.joined = search.terms;
        setTerms(search, apart);
        return answer(search);
      }
      if (none && !search.some && !search.queue.length && !search.hidden.length) {
        // Found nowhere all together (a question, a pasted message): the items with some of its words
        search.some = true;
        return answer(search);
      }
      if (!search.shown) {
        list.textContent = ""; // results of an index since replaced
      }
      for (var i = search.shown; i < confirmed.length; i++) {
        list.appendChild(renderResult(search.meta, confirmed[i].data, search.needles));
      }
      search.shown = confirmed.length;
      if (none && search.queue.length) {  // the budget spent on candidates that all lacked the words
        setStatus("在最相关的内容中暂未找到“" + search.terms.join(" ") + "”，还有约 " + search.queue.length +
          " 条可能包含，点“显示更多结果”继续查找。");
      } else {
        setStatus(countText(search) + (search.shown < search.queue.length ? "，已显示前 " + search.shown + " 条" : ""));
      }
      more.hidden = search.shown >= search.queue.length;
      clearFilters.hidden = search.queue.length > 0 || !search.hidden.length;
    });
  }

  function fail(search, error) {
    if (search !== current) {
      return;
    }
    var kind = error instanceof SearchError ? error.kind : "broken";
    app.setAttribute("data-state", "error");
    setStatus(MESSAGES[kind]);
    more.hidden = true;
  }

  function run() {
    var query = input.value, section = sectionSelect.value, type = typeSelect.value;
    rememberInUrl(query, section, type);
    var terms = splitTerms(query);
    var search = { typed: terms, section: section, type: type, queue: [], hidden: [], shown: 0, want: PAGE_SIZE,
      meta: null, bounded: false, shortened: false, joined: null, some: false, sizes: {} };
    setTerms(search, terms);
    current = search;
    // The tab and the history entry name the query, as a results page from a server would.
    document.title = terms.length ? "“" + terms.join(" ") + "”的搜索结果 - " + baseTitle : baseTitle;
    list.textContent = "";
    more.hidden = clearFilters.hidden = true;
    app.removeAttribute("data-state");
    if (!terms.length) {
      setStatus(/\S/.test(query) ? "请输入汉字、字母或数字再搜索。" : "");
      return Promise.resolve();
    }
    setStatus("正在搜索……");
    app.setAttribute("data-state", "busy");
    return settle(search, answer);
  }

  // The terms a search looks for, and the forms, marks and checks that follow from them.
  function setTerms(search, terms) {
    search.terms = terms;
    search.forms = terms.map(needleForms);
    search.needles = [].concat.apply([], search.forms);
    search.exact = terms.every(isExact);
  }

  // Find the search's candidates in the current index and show its first results.
  function answer(search) {
    return loadMeta().then(function (meta) {
      search.meta = meta;
      if (!search.bounded) {  // a long paste: as far as MAX_QUERY_SHARDS shards go
        var kept = boundedTerms(search.terms, meta.shards);
        search.bounded = true;
        search.shortened = kept.join(" ") !== search.terms.join(" ");
        search.typed = kept;
        setTerms(search, kept);
      }
      return findCandidates(meta, search.terms, search.section, search.type, search.some);
    }).then(function (candidates) {
      search.queue = candidates.shown;
      search.hidden = candidates.hidden;
      search.counts = candidates.counts;
      if (search.some) {
        search.sizes = candidates.sizes;
        setTerms(search, candidates.chosen);
      }
      search.shown = 0;
      return showNext(search);
    });
  }

  // Run a step of the search (`answer` or `showNext`); should an index file be gone, answer the search again, once,
  // on the index current.json names now, showing as many results as the reader asked for.
  function settle(search, step) {
    return step(search).then(null, function (error) {
      if (search !== current || !isReplaced(error)) {
        throw error;
      }
      return answer(search);
    }).then(function () {
      if (search === current) {
        app.setAttribute("data-state", "done");
      }
    }, function (error) {
      fail(search, error);
    });
  }

  function rememberInUrl(query, section, type) {
    if (!window.history || !history.replaceState) {
      return;
    }
    var params = [["q", query], ["section", section], ["type", type]].filter(function (p) { return p[1]; });
    var search = params.map(function (p) { return p[0] + "=" + encodeURIComponent(p[1]); }).join("&");
    history.replaceState(null, "", location.pathname + (search ? "?" + search : ""));
  }

  function readUrl() {
    var values = {};
    var pairs = location.search.replace(/^\?/, "").split("&");
    for (var i = 0; i < pairs.length; i++) {
      var at = pairs[i].indexOf("=");
      if (at > 0) {
        values[pairs[i].slice(0, at)] = decodeLeniently(pairs[i].slice(at + 1).replace(/\+/g, " "));
      }
    }
    return values;
  }

  // A shared link's value, each run of escapes decoded as far as it is whole: a stray % (?q=%E5%88%B7%E5%8D%95%, the
  // end of a link cut off or mistyped) threw, and the whole query was lost. What cannot be decoded stays as written.
  function decodeLeniently(value) {
    return value.replace(/(%[0-9A-Fa-f]{2})+/g, function (run) {
      try {
        return decodeURIComponent(run);
      } catch (error) {
        return decodeEscapes(run);
      }
    });
  }

  // A run of escapes some of which make no character (half of one, cut off): each character they make, the rest kept.
  function decodeEscapes(run) {
    var out = "";
    for (var at = 0; at < run.length; at += 3) {
      var decoded = null;
      for (var length = 12; length >= 3 && decoded === null; length -= 3) {
        try {
          decoded = at + length <= run.length ? decodeURIComponent(run.substr(at, length)) : null;
          at += decoded === null ? 0 : length - 3;
        } catch (error) {
          decoded = null;
        }
      }
      out += decoded === null ? run.substr(at, 3) : decoded;
    }
    return out;
  }

  // Notices have no fraud type: with 通知公告 chosen a type could never match, so that filter is reset and off.
  function matchTypeToSection() {
    var notices = sectionSelect.value === "notices";
    if (notices) {
      typeSelect.value = "";
    }
    typeSelect.disabled = notices;
  }

  function choose(select, value) {
    for (var i = 0; i < select.options.length; i++) {
      if (select.options[i].value === value) {
        select.value = value;
      }
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run();
  });
  // Search as the reader types, but not on half-composed pinyin: wait for the IME to commit the characters.
  input.addEventListener("input", function (event) {
    clearTimeout(timer);
    if (!event.isComposing) {
      timer = setTimeout(run, 250);
    }
  });
  input.addEventListener("compositionend", function () {
    clearTimeout(timer);
    timer = setTimeout(run, 250);
  });
  sectionSelect.addEventListener("change", function () {
    matchTypeToSection();
    run();
  });
  typeSelect.addEventListener("change", run);
  var clearButton = clearFilters.querySelector("button");
  clearButton && clearButton.addEventListener("click", function () {
    sectionSelect.value = typeSelect.value = "";
    matchTypeToSection();
    run().then(function () {
      // The button is gone: keyboard and screen-reader users continue at the first result it brought back.
      (list.querySelector("a") || input).focus();
    });
  });
  more.addEventListener("click", function () {
    var search = current;
    var first = search.shown;
    search.want = first + PAGE_SIZE;
    settle(search, showNext).then(function () {
      // Keyboard users continue at the first new result rather than at the top.
      var added = search === current && list.children[first];
      if (added) {
        added.querySelector("a").focus();
      }
    });
  });

  var initial = readUrl();
  input.value = initial.q || "";
  choose(sectionSelect, initial.section || "");
  choose(typeSelect, initial.type || "");
  matchTypeToSection();
  app.setAttribute("data-state", "ready");
  if (input.value) {
    run();
  }
}());
