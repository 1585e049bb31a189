/*
 * buzzfinder take pages (browser side). The HTML comes rendered from shared/page/*.ts with its data in
 * <script id="page-data" type="application/json">; this script only adds behaviour:
 *   take view: wavesurfer.js waveform + one region per note (coloured by label), play a note's 2 s clip,
 *              keyboard navigation on the note list, filters, relabelling (saved to the server, or kept in
 *              localStorage in the self-contained file), labels CSV export, "train on my corrections";
 *   take list: upload by drag and drop or the file input, with progress, then open the report.
 * window.takePage exposes the player for debugging and the browser tests.
 */
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('page-data').textContent);

  function $(id) {
    return document.getElementById(id);
  }

  function say(el, text) {
    if (el) el.textContent = text;
  }

  function alpha(hex, a) {
    var n = parseInt(hex.slice(1), 16);
    return 'rgba(' + ((n >> 16) & 255) + ',' + ((n >> 8) & 255) + ',' + (n & 255) + ',' + a + ')';
  }

  function request(method, url, body) {
    return fetch(url, {
      method: method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(function (json) {
        if (!res.ok) throw new Error((json.error && json.error.code ? '[' + json.error.code + '] ' : '') + ((json.error && json.error.message) || res.status));
        return json;
      });
    });
  }

  function initTake() {
    var spans = data.spans;
    var labels = {}; // index -> the listener's label
    Object.keys(data.labels).forEach(function (k) {
      labels[k] = data.labels[k];
    });
    var storageKey = 'buzzfinder-labels:' + data.source + ':' + spans.length;
    if (!data.api) {
      try {
        var kept = JSON.parse(localStorage.getItem(storageKey) || '{}');
        Object.keys(kept).forEach(function (k) {
          labels[k] = kept[k];
        });
      } catch (e) {
        /* no storage (file:// in some browsers): labels live as long as the page */
      }
    }
    var list = $('notes');
    var status = $('player-status');
    var labelsStatus = $('labels-status');
    var selected = -1;
    var visible = spans.map(function (s) {
      return s.index;
    });

    function kindOf(i) {
      return labels[i] || spans[i].kind;
    }

    function item(i) {
      return $('note-' + i);
    }

    function describe(i) {
      var s = spans[i];
      var k = kindOf(i);
      return 'Note ' + (i + 1) + ' at ' + s.onsetSec.toFixed(2) + ' s, ' + (s.pitch || 'no pitch') + ', ' + (k === 'noNote' ? 'not a note' : k) + (labels[i] ? ' (your label)' : '') + ', confidence ' + Math.round(s.confidence * 100) + ' %';
    }

    var wavesurfer = WaveSurfer.create({
      container: '#waveform',
      url: data.audioUrl,
      height: 120,
      waveColor: '#4b5563',
      progressColor: '#1f2937',
      cursorColor: '#111827',
      normalize: true,
      dragToSeek: false,
      // Long takes scroll instead of squeezing hundreds of notes into the page width.
      minPxPerSec: 40,
    });
    var regions = wavesurfer.registerPlugin(WaveSurfer.Regions.create());
    var byIndex = {};

    function drawRegions() {
      regions.clearRegions();
      byIndex = {};
      visible.forEach(function (i) {
        var s = spans[i];
        var r = regions.addRegion({ id: 'note-' + i, start: s.start, end: s.end, color: alpha(data.colours[kindOf(i)], 0.45), drag: false, resize: false, content: s.pitch || '' });
        r.element.setAttribute('data-note', String(i));
        r.element.setAttribute('data-kind', kindOf(i));
        r.element.title = describe(i); // pitch, label and confidence on hover
        if (i === selected) r.element.classList.add('selected');
        byIndex[i] = r;
      });
    }

    function play(i) {
      var s = spans[i];
      say(status, 'Playing note ' + (i + 1) + ' (' + (s.pitch || 'no pitch') + '): ' + s.clipStart.toFixed(2) + '–' + s.clipEnd.toFixed(2) + ' s');
      wavesurfer.play(s.clipStart, s.clipEnd).catch(function (e) {
        say(status, 'Could not play: ' + e.message);
      });
    }

    function select(i, focusList) {
      if (selected >= 0 && item(selected)) {
        item(selected).setAttribute('aria-selected', 'false');
        if (byIndex[selected]) byIndex[selected].element.classList.remove('selected');
      }
      selected = i;
      var li = item(i);
      li.setAttribute('aria-selected', 'true');
      list.setAttribute('aria-activedescendant', li.id);
      li.scrollIntoView({ block: 'nearest' });
      // Bring the note into the waveform's view when the take is wider than the page (no-op otherwise).
      if (wavesurfer.getDuration() > 0) wavesurfer.setScrollTime(Math.max(0, spans[i].start - 2));
      if (byIndex[i]) byIndex[i].element.classList.add('selected');
      say($('selected-note'), describe(i));
      if (focusList) list.focus();
    }

    function move(step) {
      if (!visible.length) return;
      var at = visible.indexOf(selected);
      var next = at < 0 ? (step > 0 ? 0 : visible.length - 1) : Math.max(0, Math.min(visible.length - 1, at + step));
      select(visible[next]);
    }

    function render(i) {
      var li = item(i);
      var k = kindOf(i);
      li.className = 'note ' + k;
      li.setAttribute('data-kind', k);
      li.querySelector('.l').textContent = k === 'noNote' ? 'not a note (' + spans[i].label + ')' : k;
      var fix = li.querySelector('.fixed');
      if (labels[i]) {
        if (!fix) {
          fix = document.createElement('span');
          fix.className = 'fixed';
          li.appendChild(document.createTextNode(' '));
          li.appendChild(fix);
        }
        fix.textContent = '(your label; model: ' + spans[i].label + ')';
      }
      var r = byIndex[i];
      if (r) {
        r.setOptions({ color: alpha(data.colours[k], 0.45) });
        r.element.setAttribute('data-kind', k);
        r.element.title = describe(i);
      }
      say($('labels-count'), Object.keys(labels).length + ' of ' + spans.length + ' notes labelled by you.');
      if (i === selected) say($('selected-note'), describe(i));
    }

    function relabel(i, label) {
      if (i < 0) return;
      var before = labels[i];
      labels[i] = label;
      render(i);
      if (!data.api) {
        try {
          localStorage.setItem(storageKey, JSON.stringify(labels));
        } catch (e) {
          /* kept in the page only */
        }
        say(labelsStatus, 'Note ' + (i + 1) + ' labelled ' + label + '.');
        return;
      }
      say(labelsStatus, 'Saving…');
      request('POST', data.api.corrections, { index: i, label: label })
        .then(function (saved) {
          say(labelsStatus, 'Note ' + (i + 1) + ' labelled ' + label + ' (saved; ' + saved.labels.length + ' labels).');
        })
        .catch(function (e) {
          if (before) labels[i] = before;
          else delete labels[i];
          render(i);
          say(labelsStatus, 'Not saved: ' + e.message);
        });
    }

    function applyFilters() {
      var onlyBuzzy = $('only-buzzy').checked;
      var onlyLow = $('only-low').checked;
      visible = spans
        .filter(function (s) {
          return (!onlyBuzzy || kindOf(s.index) === 'buzzy') && (!onlyLow || s.confidence < data.lowConfidence);
        })
        .map(function (s) {
          return s.index;
        });
      spans.forEach(function (s) {
        item(s.index).hidden = visible.indexOf(s.index) < 0;
      });
      drawRegions();
      say(status, visible.length + ' of ' + spans.length + ' notes shown.');
    }

    list.addEventListener('keydown', function (e) {
      var keyLabel = data.keys.filter(function (k) {
        return k.key === e.key;
      })[0];
      if (e.key === 'ArrowDown' || e.key === 'ArrowRight') move(1);
      else if (e.key === 'ArrowUp' || e.key === 'ArrowLeft') move(-1);
      else if (e.key === 'Home' && visible.length) select(visible[0]);
      else if (e.key === 'End' && visible.length) select(visible[visible.length - 1]);
      else if (e.key === ' ' || e.key === 'Enter') {
        if (selected < 0) move(1);
        play(selected);
      } else if (keyLabel) relabel(selected, keyLabel.label);
      else return;
      e.preventDefault();
    });
    list.addEventListener('focus', function () {
      if (selected < 0 && visible.length) select(visible[0]);
    });
    list.addEventListener('click', function (e) {
      var li = e.target.closest('li[data-index]');
      if (!li) return;
      var i = Number(li.getAttribute('data-index'));
      select(i, true);
      play(i);
    });
    regions.on('region-clicked', function (region, e) {
      e.stopPropagation();
      var i = Number(region.id.slice('note-'.length));
      select(i, true);
      play(i);
    });
    Array.prototype.forEach.call(document.querySelectorAll('.set-label'), function (b) {
      b.addEventListener('click', function () {
        relabel(selected, b.getAttribute('data-label'));
        list.focus();
      });
    });
    $('only-buzzy').addEventListener('change', applyFilters);
    $('only-low').addEventListener('change', applyFilters);

    wavesurfer.on('decode', function () {
      drawRegions();
      say(status, spans.length + ' notes. Click a note, or focus the note list and press Space to play.');
    });
    wavesurfer.on('error', function (e) {
      say(status, 'Could not load the audio: ' + (e && e.message ? e.message : e));
    });

    var exportCsv = $('export-csv');
    // The self-contained file holds the audio once, in the page data.
    if (!data.api) $('export-audio').href = data.audioUrl;
    if (!data.api && exportCsv) {
      exportCsv.addEventListener('click', function () {
        var rows = Object.keys(labels)
          .map(Number)
          .sort(function (a, b) {
            return a - b;
          })
          .map(function (i) {
            return String(spans[i].onsetSec) + ',' + labels[i] + ',' + (spans[i].midi === null ? '' : spans[i].midi);
          });
        exportCsv.href = URL.createObjectURL(new Blob(['onset_sec,label,midi\n' + rows.join('\n') + (rows.length ? '\n' : '')], { type: 'text/csv' }));
      });
    }
    var train = $('train');
    if (train) {
      train.addEventListener('click', function () {
        train.disabled = true;
        say(labelsStatus, 'Writing the dataset and queueing the retrain…');
        request('POST', data.api.train, {})
          .then(function (r) {
            say(labelsStatus, 'Queued retrain job ' + r.jobId + ' on dataset ' + r.dataset + ' (' + r.clips + ' notes' + (r.from ? ', fine-tuning ' + r.from : '') + ').');
          })
          .catch(function (e) {
            say(labelsStatus, 'Not queued: ' + e.message);
          })
          .then(function () {
            train.disabled = false;
          });
      });
    }
    // Labels kept in this browser (self-contained file) are not in the rendered HTML: show them.
    Object.keys(labels).forEach(function (k) {
      render(Number(k));
    });
    window.takePage = { wavesurfer: wavesurfer, regions: regions, select: select, play: play };
  }

  function initList() {
    var input = $('upload-file');
    var form = $('upload-form');
    var zone = $('drop-zone');
    var progress = $('upload-progress');
    var status = $('upload-status');

    function poll(statusUrl, view) {
      request('GET', statusUrl)
        .then(function (s) {
          if (s.state === 'ready') {
            say(status, 'Report ready: opening it…');
            location.href = view;
          } else if (s.state === 'error') {
            say(status, 'The take could not be analysed: [' + s.error.code + '] ' + s.error.message);
            progress.hidden = true;
          } else setTimeout(poll, 400, statusUrl, view);
        })
        .catch(function (e) {
          say(status, 'Lost track of the upload: ' + e.message);
        });
    }

    function upload(file) {
      if (!file) return;
      if (file.size > data.maxUploadBytes) {
        say(status, file.name + ' is too large (' + file.size + ' bytes; the limit is ' + data.maxUploadBytes + ').');
        return;
      }
      var xhr = new XMLHttpRequest();
      xhr.open('POST', data.api.upload + '?name=' + encodeURIComponent(file.name));
      xhr.setRequestHeader('Content-Type', 'audio/wav');
      progress.hidden = false;
      progress.removeAttribute('value');
      say(status, 'Uploading ' + file.name + '…');
      xhr.upload.onprogress = function (e) {
        if (e.lengthComputable) {
          progress.value = Math.round((100 * e.loaded) / e.total);
          say(status, 'Uploading ' + file.name + ': ' + progress.value + ' %');
        }
      };
      xhr.onload = function () {
        var body = {};
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          /* not JSON */
        }
        if (xhr.status !== 201) {
          progress.hidden = true;
          say(status, 'Upload refused: ' + (body.error ? '[' + body.error.code + '] ' + body.error.message : xhr.status));
          return;
        }
        progress.removeAttribute('value');
        say(status, 'Uploaded ' + body.name + '. Analysing the take (onsets, pitch, classification)…');
        poll(body.status, body.view);
      };
      xhr.onerror = function () {
        progress.hidden = true;
        say(status, 'Upload failed (network error).');
      };
      xhr.send(file);
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      upload(input.files[0]);
    });
    input.addEventListener('change', function () {
      upload(input.files[0]);
    });
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) {
        e.preventDefault();
        zone.classList.add('over');
      });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function () {
        zone.classList.remove('over');
      });
    });
    zone.addEventListener('drop', function (e) {
      e.preventDefault();
      upload(e.dataTransfer.files[0]);
    });
  }

  if (data.page === 'take') initTake();
  else if (data.page === 'list') initList();
})();
