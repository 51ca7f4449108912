// Progressive enhancement only: every page works without this file.
// (Set here rather than by the GOV.UK template's inline script: the CSP allows no inline code.)
import { initAll } from '/static/govuk/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
