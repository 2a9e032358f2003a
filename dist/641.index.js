var _=Object.defineProperty;var d=(W,I)=>_(W,"name",{value:I,configurable:!0});const ee=641,te=[641],ae={7641:((W,I,i)=>{i.r(I),i.d(I,{demoCommand:d(()=>Q,"demoCommand")});var H=i(7975),E=i(1455),D=i(6760),P=i(3567),w=i(8161),O=i(7067);async function U(a,f={},t=Math.random){let l=f,c=!0;const g=(0,O.createServer)((y,T)=>{if(y.url==="/healthz"){T.writeHead(c?200:503,{"content-type":"application/json"}),T.end(JSON.stringify({version:a,ready:c}));return}const R=t()<(l.errorRate??0),$=d(()=>{T.writeHead(R?500:200,{"content-type":"application/json","x-version":a}),T.end(JSON.stringify(R?{version:a,error:"injected fault"}:{version:a,ok:!0}))},"respond");l.extraLatencyMs?setTimeout($,l.extraLatencyMs):$()});g.keepAliveTimeout=12e4,await new Promise(y=>g.listen(0,"127.0.0.1",y));const{port:m}=g.address();return{version:a,port:m,url:`http://127.0.0.1:${m}`,setFault(y){l=y},async close(y=0){c=!1,y&&await new Promise(T=>setTimeout(T,y)),await new Promise(T=>{g.close(()=>T()),g.closeIdleConnections()})}}}d(U,"startService");const e="/_rollgate";async function o(a,f,t=Date.now){let l=0,c={stable:0,canary:0};const g={stable:[],canary:[]},m=new O.Agent({keepAlive:!0,maxSockets:256}),y=d(()=>{c={stable:c.stable+(100-l),canary:c.canary+l};const r=c.canary>c.stable?"canary":"stable";return c[r]-=100,r},"pick"),T=d((r,L)=>{const j=t()-L,p=g[r].filter(n=>n.at>=j),C=p.filter(n=>n.status>=500).length,b=p.map(n=>n.ms).sort((n,S)=>n-S);return{requests:p.length,errors:C,errorRate:p.length?C/p.length:null,p50Ms:b.length?b[Math.floor((b.length-1)/2)]:null,p99Ms:b.length?b[Math.min(b.length-1,Math.floor(b.length*.99))]:null}},"stats"),R=d((r,L,j)=>{const p=d((b,n)=>{L.writeHead(b,{"content-type":"application/json"}),L.end(JSON.stringify(n))},"send");if(j.pathname===`${e}/weight`&&r.method==="GET")return p(200,{weight:l});if(j.pathname===`${e}/weight`&&r.method==="PUT"){let b="";r.on("data",n=>b+=n.toString()),r.on("end",()=>{const n=Number(JSON.parse(b||"{}").weight);if(!Number.isInteger(n)||n<0||n>100)return p(400,{error:"weight must be a whole number from 0 to 100"});l=n,c={stable:0,canary:0},p(200,{weight:l})});return}const C=/^\/_rollgate\/stats\/(stable|canary)$/.exec(j.pathname);if(C&&r.method==="GET"){const b=Number(j.searchParams.get("windowMs")??5e3);return p(200,T(C[1],b))}p(404,{error:"not found"})},"admin"),$=(0,O.createServer)((r,L)=>{const j=new URL(r.url??"/","http://router");if(j.pathname.startsWith(e))return R(r,L,j);const p=y(),C=new URL(r.url??"/",p==="canary"?f.url:a.url),b=t(),n=(0,O.request)(C,{method:r.method,headers:r.headers,agent:m},S=>{L.writeHead(S.statusCode??502,S.headers),S.pipe(L),S.on("end",()=>{g[p].push({at:t(),status:S.statusCode??502,ms:t()-b}),g[p].length>5e4&&g[p].splice(0,1e4)})});n.on("error",()=>{g[p].push({at:t(),status:502,ms:t()-b}),L.headersSent||L.writeHead(502,{"content-type":"text/plain"}),L.end("bad gateway")}),r.pipe(n)});$.keepAliveTimeout=12e4,await new Promise(r=>$.listen(0,"127.0.0.1",r));const{port:x}=$.address(),k=`http://127.0.0.1:${x}`;return{url:k,adminUrl:`${k}${e}`,weight:d(()=>l,"weight"),async close(){m.destroy(),await new Promise(r=>{$.close(()=>r()),$.closeAllConnections()})}}}d(o,"startRouter");function s(a,f){const t={sent:0,ok:0,failed:0,errors:0,byVersion:{}},l=new O.Agent({keepAlive:!0,maxSockets:f.workers??16}),c=f.workers??16,g=1e3*c/f.rps;let m=!0;const y=d(()=>new Promise($=>{t.sent+=1;const x=(0,O.request)(a,{agent:l,timeout:5e3},k=>{const r=String(k.headers["x-version"]??"unknown");t.byVersion[r]=(t.byVersion[r]??0)+1,(k.statusCode??500)>=500?t.failed+=1:t.ok+=1,k.resume(),k.on("end",$)});x.on("timeout",()=>x.destroy(new Error("timeout"))),x.on("error",()=>{t.errors+=1,$()}),x.end()}),"once"),T=d(async $=>{for(await new Promise(x=>setTimeout(x,$));m&&t.sent<f.maxRequests;){const x=Date.now();await y();const k=g-(Date.now()-x);k>0&&await new Promise(r=>setTimeout(r,k))}},"worker"),R=Promise.all(Array.from({length:c},($,x)=>T(x*g/c)));return{counts:t,async stop(){return m=!1,await R,l.destroy(),t}}}d(s,"startLoad");var u=i(6347),v=i(6307),M=i(4290),A=i(2410),h=i(746),N=i(4944),B=i(7840);function z(a,f,t,l){const c=(0,B.E9)(l)??1e4,g=`${Math.max(250,Math.round(c/4))}ms`,m=Math.max(1e3,Math.round(c/2)),y=`${a}/stats/canary?windowMs=${m}`;return`# The demo's rollout spec, written by \`rollgate demo\`.
version: 1
strategy: canary
environment: demo
traffic:
  provider: embedded
  url: ${a}
  stable: ${f}
  canary: ${t}
stages:
  - weight: 1
    bake: ${l}
  - weight: 5
    bake: ${l}
  - weight: 25
    bake: ${l}
  - weight: 50
    bake: ${l}
  - weight: 100
    bake: ${l}
gates:
  error-rate:
    provider: http
    url: ${y}
    requests: 1
    value: errorRate        # share of HTTP 5xx from the canary over the last ${m}ms
    threshold: "< 0.01"
    interval: ${g}
    failureLimit: 1
    inconclusiveLimit: 20   # at 1 % the canary may see no request in a window
  latency:
    provider: http
    url: ${y}
    requests: 1
    value: p50Ms            # median: a slow version moves it, one busy moment on this machine does not
    threshold: "< 100"
    interval: ${g}
    failureLimit: 1
    inconclusiveLimit: 20
`}d(z,"demoSpec");async function F(a){const f=await(0,E.mkdtemp)((0,D.join)((0,w.tmpdir)(),"rollgate-demo-")),t=await U(a.stable),l=await U(a.canary,a.fault),c=await o({name:a.stable,url:t.url},{name:a.canary,url:l.url}),g=(0,B.E9)(a.bake)??1e4,m=s(c.url,{rps:a.rps,maxRequests:Math.ceil(a.rps*(g/1e3)*5*3)+1e3}),y=Date.now();try{const T=(0,D.join)(f,"rollout.yml"),R=z(c.adminUrl,a.stable,a.canary,a.bake);await(0,E.writeFile)(T,R);const $=await(0,u.Lb)(T),{router:x,gates:k}=(0,A.T)($,{env:{},log:a.log,cwd:f});return{...await(0,M.r)({router:x,gates:k,store:new h.n((0,D.join)(f,"state.json")),reporters:[a.reporter],clock:N.m,log:a.log},{plan:(0,v.v)($),id:`demo-${a.canary}`,...a.signal?{signal:a.signal}:{}}),load:await m.stop(),spec:R,durationMs:Date.now()-y}}finally{await m.stop(),await c.close(),await Promise.all([t.close(),l.close()]),await(0,E.rm)(f,{recursive:!0,force:!0})}}d(F,"runScenario");var G=i(9475),J=i(4285),V=i(6433);const Y={errors:{fault:{errorRate:.05},label:"5% HTTP 500"},latency:{fault:{extraLatencyMs:200},label:"+200 ms latency"}},Q={help:`Usage: rollgate demo [--scenario both|healthy|faulty] [--fault errors|latency] [--bake 10s] [--rps 200]
                     [--report FILE]

Starts two versions of a small HTTP service on 127.0.0.1, the embedded weighted router in front of
them and a load generator, then runs a canary 1% \u2192 5% \u2192 25% \u2192 50% \u2192 100%. The second run ships a
version with a fault (default 5% HTTP 500) and shows the automatic rollback with its evidence.
Nothing leaves this machine; nothing needs installing.

Exit codes: with --scenario both, 0 when the healthy run promoted and the faulty run rolled back;
with one scenario, the rollout's own code (0 promoted, 1 rolled back); 4 on error.`,async run(a,f){const{values:t}=(0,H.parseArgs)({args:a,options:{scenario:{type:"string",default:"both"},fault:{type:"string",default:"errors"},bake:{type:"string",default:"10s"},rps:{type:"string",default:"200"},report:{type:"string",default:".rollgate/demo-report.md"}}}),l=Y[t.fault];if(!l)throw new P.e(`--fault must be errors or latency (got ${t.fault})`);if(!["both","healthy","faulty"].includes(t.scenario))throw new P.e(`--scenario must be both, healthy or faulty (got ${t.scenario})`);const c=Number(t.rps);if(!Number.isFinite(c)||c<10||c>2e3)throw new P.e("--rps must be a number from 10 to 2000");const g=new G.C(f.stderr),m=f.stdout;m.write(`Rollgate demo \u2014 everything runs on 127.0.0.1; nothing leaves this machine.
`);const y=[],T=[],R=[],$=d(async(L,j,p,C)=>{m.write(`
\u2501\u2501 ${L} \u2501\u2501
`);const b=new G.l(m,N.m,"  "),n=await F({stable:j,canary:p,fault:C,bake:t.bake,rps:c,reporter:b,log:g,signal:f.signal});b.close();const{load:S}=n,X=Object.entries(S.byVersion).map(([K,Z])=>`${K} ${Z}`).join(", ");if(m.write(`  load: ${S.sent} requests in ${(0,B.a3)(n.durationMs)} \u2014 ${S.failed} HTTP 5xx, ${S.errors} connection errors (answered by: ${X})
`),n.state.failure){const K=n.state.failure.evidence;m.write(`  evidence: ${K?.summary??n.state.failure.reason}${K?.query?`
            from ${K.query}`:""}
`)}return y.push(`## ${L}

${(0,J._9)(n.plan,n.state)}`),T.push({title:L,plan:n.plan,state:n.state}),R.push(n),n},"run");t.scenario!=="faulty"&&await $("Run 1: healthy canary v2 (v1 is stable)","v1","v2",{}),t.scenario!=="healthy"&&!f.signal.aborted&&await $(`Run 2: faulty canary v3 (${l.label}; v2 is stable)`,"v2","v3",l.fault);const x=(0,D.resolve)(f.cwd,t.report);await(0,E.mkdir)((0,D.resolve)(x,".."),{recursive:!0}),await(0,E.writeFile)(x,`# Rollgate demo report

${y.join(`

`)}`);const k=x.replace(/(\.md)?$/i,".html");if(await(0,E.writeFile)(k,(0,V.w)(T,"Rollgate demo report")),m.write(`
Report (Markdown): ${x}
Report (HTML, with charts): ${k}
`),t.scenario==="both"){const[L,j]=R,p=L?.outcome==="promoted"&&j?.outcome==="rolled-back";return m.write(p?`Both runs behaved as expected: promoted, then rolled back.
`:`The demo did not go as expected; see above.
`),p?P.d.ok:P.d.error}const r=R[0]?.outcome;return r==="promoted"?P.d.promoted:r==="rolled-back"?P.d.rolledBack:r==="paused"?P.d.paused:P.d.error}}}),9475:((W,I,i)=>{i.d(I,{C:d(()=>w,"C"),l:d(()=>O,"l")});var H=i(7840),E=i(955),D=i(4285);const P={pass:"\u2714",fail:"\u2718",inconclusive:"?",error:"!"};class w{static{d(this,"ConsoleLogger")}err;verbose;secrets=[];constructor(e,o=!1){this.err=e,this.verbose=o}redact(e){return this.secrets.reduce((o,s)=>o.split(s).join("***"),e)}info(e){this.err.write(`${this.redact(e)}
`)}warn(e){this.err.write(`warning: ${this.redact(e)}
`)}debug(e){this.verbose&&this.err.write(`debug: ${this.redact(e)}
`)}mask(e){e.length>=4&&this.secrets.push(e)}}class O{static{d(this,"ConsoleReporter")}out;clock;prefix;live;timer;drawn=!1;constructor(e,o,s=""){this.out=e,this.clock=o,this.prefix=s}async report(e,o,s){this.clearLive();const u=this.line(e,o,s);u&&this.out.write(`${u.split(`
`).map(M=>`${this.prefix}${M}`).join(`
`)}
`);const v=e==="promoted"||e==="rolled-back"||e==="failed"||e==="paused"||e==="awaiting-approval";this.live=v?void 0:{plan:s,state:o},this.out.isTTY&&!v?this.startLive():this.stopLive(),this.drawLive()}close(){this.clearLive(),this.stopLive()}line(e,o,s){const u=s.stages[o.stage],v=`[${new Date(this.clock.now()).toISOString().slice(11,19)}]`;switch(e){case"started":return`${v} rollout of ${s.canary} to ${s.environment}: ${s.stages.map(M=>`${M.weight}%`).join(" \u2192 ")}`;case"stage-started":return`${v} ${(0,E.Hn)(s,o.stage)}: ${o.weight}% to ${s.canary}${u.bakeMs?`, baking ${(0,H.a3)((0,E.Gs)(s,u).minimumMs)}`:""}`;case"measured":{const M=this.latest(o);return this.out.isTTY?void 0:`${v}   ${M}`}case"rolled-back":case"promoted":case"failed":case"awaiting-approval":case"paused":case"resumed":return`${v} ${(0,D.Bs)(s,o).replace(/\*\*/g,"")}${e==="rolled-back"&&o.failure?`
${v}   why: ${o.failure.reason}`:""}`}}latest(e){const o=new Map;for(const s of e.measurements)s.stage===e.stage&&o.set(s.gate,s);return[...o.values()].map(s=>`${P[s.verdict]} ${s.gate} ${s.evidence.value!==void 0?(0,D.Fl)(s.evidence.value):s.evidence.summary}`).join("  ")||"no measurements yet"}startLive(){this.timer||(this.timer=setInterval(()=>{this.clearLive(),this.drawLive()},1e3),this.timer.unref())}stopLive(){this.timer&&clearInterval(this.timer),this.timer=void 0}drawLive(){if(!this.out.isTTY||!this.live)return;const{plan:e,state:o}=this.live,s=e.stages[o.stage],u=o.stageStartedAt!==void 0?Math.max(0,o.stageStartedAt+(0,E.Gs)(e,s).minimumMs-this.clock.now()):0,v=`${this.prefix}\u25B6 ${(0,E.Hn)(e,o.stage)} \xB7 ${o.weight}% \xB7 bake ${(0,H.a3)(u)} left \xB7 ${this.latest(o)}`;this.out.write(v.slice(0,Math.max(20,(this.out.columns||120)-1))),this.drawn=!0}clearLive(){this.drawn&&this.out.write("\r\x1B[K"),this.drawn=!1}}}),6433:((W,I,i)=>{i.d(I,{w:d(()=>o,"w")});var H=i(955),E=i(7840),D=i(194),P=i(4285);const w=d(u=>u.replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(/>/g,"&gt;").replace(/"/g,"&quot;").replace(/'/g,"&#39;"),"html"),O=d(u=>u.replace(/\*\*/g,""),"plain"),U=d(u=>new Date(u).toISOString().slice(11,19),"time"),e=d(u=>u&&/^https?:\/\//i.test(u)?`<a href="${w(u)}">${w(u)}</a>`:w(u??""),"link");function o(u,v="Rollgate report"){return`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${w(v)}</title>
<style>
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d1d9e0;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #d1d9e0;padding:4px 10px;text-align:left;vertical-align:top}
.status{font-size:16px;font-weight:600}.caution{border-left:4px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:12px 0}
code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:12px}svg{width:100%;max-width:640px;display:block;margin:12px 0}
.timeline{font-family:ui-monospace,monospace;font-size:12px}
</style></head><body>
<h1>${w(v)}</h1>
${u.map(s).join(`
`)}
</body></html>
`}d(o,"renderHtmlReport");function s({title:u,plan:v,state:M}){const A=[`<section><h2>${w(u)}</h2>`,`<p class="status">${w(O((0,P.Bs)(v,M)))}</p>`];if(M.failure){const h=M.failure.evidence;A.push('<div class="caution">',`<strong>${w(M.failure.gate?`Gate ${M.failure.gate} failed`:"Rollout stopped")}</strong> \u2014 ${w(M.failure.reason)}`,"<ul>",...h?.value!==void 0?[`<li>measured <code>${w((0,P.Fl)(h.value))}</code>${h.threshold?` (expected <code>${w(h.threshold)}</code>)`:""}</li>`]:[],...h?.canary!==void 0||h?.baseline!==void 0?[`<li>canary <code>${w((0,P.Fl)(h?.canary))}</code> vs baseline <code>${w((0,P.Fl)(h?.baseline))}</code></li>`]:[],...h?.query?[`<li>query <code>${w(h.query)}</code></li>`]:[],...h?.link?[`<li>source ${e(h.link)}</li>`]:[],"</ul></div>")}A.push("<table><tr><th>#</th><th>weight</th><th>bake</th><th>gates</th><th>measurements ok</th></tr>");for(const h of v.stages){const N=M.measurements.filter(F=>F.stage===h.index),B=N.filter(F=>F.verdict==="pass").length,{minimumMs:z}=(0,H.Gs)(v,h);A.push(`<tr><td>${h.index+1}</td><td>${h.weight}%</td><td>${z?(0,E.a3)(z):"\u2014"}${h.approval?" \xB7 approval":""}</td><td>${w(h.gates.join(", ")||"\u2014")}</td><td>${N.length?`${B}/${N.length}`:"\u2014"}</td></tr>`)}return A.push("</table>"),A.push(...(0,D.Nj)(v,M).map(D.dJ)),M.timeline.length&&A.push('<details><summary>Timeline</summary><div class="timeline">',...M.timeline.map(h=>`<div>${U(h.at)} ${w(h.message)}</div>`),"</div></details>"),A.push("</section>"),A.join(`
`)}d(s,"renderSection")})};export{ee as id,te as ids,ae as modules};
