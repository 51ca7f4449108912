// The monitor's live events, a progressive enhancement: without JavaScript the page shows the
// latest events and a refresh shows newer ones. EventSource talks to this site only (the
// session cookie); the web service relays the monitor's stream with the HR person's token,
// so no token is ever in this page. EventSource resumes with Last-Event-ID by itself.
const table = document.querySelector('#events')
const status = document.querySelector('#live-status')
const MAX_ROWS = 300

function cell (row, text) {
  const td = document.createElement('td')
  td.className = 'govuk-table__cell'
  td.textContent = text == null ? '' : String(text)
  row.appendChild(td)
  return td
}

function addRow (item) {
  const body = table.tBodies[0]
  if (body.querySelector(`tr[data-seq="${item.seq}"]`)) return
  const row = document.createElement('tr')
  row.className = 'govuk-table__row bps-new'
  row.dataset.eventId = item.event_id
  row.dataset.seq = item.seq
  for (const v of [item.seq, item.occurred_at.slice(0, 19).replace('T', ' '), item.event_type,
    item.scheme, item.sector, item.region, item.actor, item.summary]) cell(row, v)
  const link = document.createElement('a')
  link.className = 'govuk-link'
  link.href = '/hr/monitor/timeline/' + encodeURIComponent(item.application_id || item.correlation_id)
  link.textContent = 'Timeline'
  const hidden = document.createElement('span')
  hidden.className = 'govuk-visually-hidden'
  hidden.textContent = ` of event ${item.seq}`
  link.appendChild(hidden)
  cell(row, '').appendChild(link)
  body.insertBefore(row, body.firstChild)
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1)
  document.querySelector('#no-events')?.remove()
}

if (table && window.EventSource) {
  const source = new EventSource(table.dataset.stream)
  source.addEventListener('open', () => { status.textContent = 'Live: new events appear at the top.' })
  source.addEventListener('error', () => { status.textContent = 'Reconnecting to the live events…' })
  source.addEventListener('event', (e) => addRow(JSON.parse(e.data)))
}
