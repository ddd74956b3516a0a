/* tests/browser/layout.js: injected at the end of a copy of each page by tests/browser/check.sh.
 * Once the page has loaded, it appends <pre id="srm-layout"> listing, one per line:
 *   wide TAG.CLASS LEFT..RIGHT > VIEWPORT: TEXT  an element that reaches outside the viewport
 *                                 and is not inside a box that scrolls or clips it (the
 *                                 outermost one, with the start of its text);
 *   page SCROLLWIDTH > VIEWPORT            the page itself scrolls sideways;
 *   image SRC                              an image that did not load (or has no pixels).
 * The block starts "SRM-LAYOUT viewport W images N elements M" and ends "SRM-LAYOUT-END". */
(function () {
    function boxed(e) {
        for (var p = e.parentElement; p && p !== document.body; p = p.parentElement)
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        return false;
    }
    function name(e) {
        var c = e.getAttribute('class');
        return e.tagName.toLowerCase() + (c ? '.' + c.split(/\s+/).join('.') : '');
    }
    function check() {
        var vw = document.documentElement.clientWidth, out = [], wide = [];
        var all = document.body.getElementsByTagName('*');
        for (var i = 0; i < all.length; i++) {
            var e = all[i], r = e.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (!(r.right > vw + 0.5 || r.left < -0.5) || boxed(e)) continue;
            wide.push(e);
            /* the outermost such element only: its descendants stick out with it */
            if (wide.indexOf(e.parentElement) < 0)
                out.push('wide ' + name(e) + ' ' + Math.round(r.left) + '..' +
                         Math.round(r.right) + ' > ' + vw + ': ' +
                         e.textContent.replace(/\s+/g, ' ').slice(0, 60));
        }
        var sw = document.documentElement.scrollWidth;
        if (sw > vw) out.push('page ' + sw + ' > ' + vw);
        var imgs = document.images;
        for (var j = 0; j < imgs.length; j++)
            if (!imgs[j].complete || imgs[j].naturalWidth === 0)
                out.push('image ' + imgs[j].getAttribute('src').slice(0, 120));
        var pre = document.createElement('pre');
        pre.id = 'srm-layout';
        pre.textContent = 'SRM-LAYOUT viewport ' + vw + ' images ' + imgs.length + ' elements ' +
                          all.length + '\n' + out.join('\n') + (out.length ? '\n' : '') +
                          'SRM-LAYOUT-END';
        document.body.appendChild(pre);
    }
    if (document.readyState === 'complete') check();
    else window.addEventListener('load', check);
})();
