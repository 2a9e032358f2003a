var ie=Object.defineProperty;var d=(Y,H)=>ie(Y,"name",{value:H,configurable:!0});const ce=7641,de=[7641],ue={7641:((Y,H,n)=>{n.r(H),n.d(H,{demoCommand:d(()=>ne,"demoCommand")});var K=n(7975),O=n(1455),U=n(6760),b=n(3567),z=n(8161),f=n(7067);async function W(t,h={},e=Math.random){let i=h,r=!0;const l=(0,f.createServer)((P,T)=>{if(P.url==="/healthz"){T.writeHead(r?200:503,{"content-type":"application/json"}),T.end(JSON.stringify({version:t,ready:r}));return}const D=e()<(i.errorRate??0),R=d(()=>{T.writeHead(D?500:200,{"content-type":"application/json","x-version":t}),T.end(JSON.stringify(D?{version:t,error:"injected fault"}:{version:t,ok:!0}))},"respond");i.extraLatencyMs?setTimeout(R,i.extraLatencyMs):R()});l.keepAliveTimeout=12e4,await new Promise(P=>l.listen(0,"127.0.0.1",P));const{port:v}=l.address();return{version:t,port:v,url:`http://127.0.0.1:${v}`,setFault(P){i=P},async close(P=0){r=!1,P&&await new Promise(T=>setTimeout(T,P)),await new Promise(T=>{l.close(()=>T()),l.closeIdleConnections()})}}}d(W,"startService");var G=n(2156);const N="/_rollgate",o=11e3;function u(t,h){return t[Math.min(t.length-1,Math.max(0,Math.ceil(h*t.length)-1))]}d(u,"quantile");async function s(t,h,e=Date.now){let i=0,r={stable:0,canary:0};const l={stable:[],canary:[]},v=new f.Agent({keepAlive:!0,maxSockets:256}),P=d(()=>{r={stable:r.stable+(100-i),canary:r.canary+i};const c=r.canary>r.stable?"canary":"stable";return r[c]-=100,c},"pick"),T=d((c,x)=>{const E=e()-x,g=l[c].filter(m=>m.at>=E),k=g.filter(m=>m.status>=500).length,a=g.map(m=>m.ms).sort((m,$)=>m-$);return{requests:g.length,errors:k,errorRate:g.length?k/g.length:null,p50Ms:a.length?a[Math.floor((a.length-1)/2)]:null,p99Ms:a.length?a[Math.min(a.length-1,Math.floor(a.length*.99))]:null}},"stats"),D=d((c,x,E,g,k)=>{const a=[],m=l[c].filter($=>$.at>E-k&&$.at<=g);for(let $=E;$<=g;$+=k){const I=m.filter(S=>S.at>$-k&&S.at<=$);if(x==="requests")a.push([$,I.length]);else if(x==="errors")a.push([$,I.filter(S=>S.status>=500).length]);else if(I.length){const S=x==="p50Ms"?.5:x==="p90Ms"?.9:.99;a.push([$,u(I.map(B=>B.ms).sort((B,A)=>B-A),S)])}}return a},"series"),R=d((c,x,E)=>{const g=d((a,m)=>{x.writeHead(a,{"content-type":"application/json"}),x.end(JSON.stringify(m))},"send");if(E.pathname===`${N}/weight`&&c.method==="GET")return g(200,{weight:i});if(E.pathname===`${N}/weight`&&c.method==="PUT"){let a="";c.on("data",m=>a+=m.toString()),c.on("end",()=>{const m=Number(JSON.parse(a||"{}").weight);if(!Number.isInteger(m)||m<0||m>100)return g(400,{error:"weight must be a whole number from 0 to 100"});i=m,r={stable:0,canary:0},g(200,{weight:i})});return}const k=/^\/_rollgate\/stats\/(stable|canary)$/.exec(E.pathname);if(k&&c.method==="GET"){const a=Number(E.searchParams.get("windowMs")??5e3);return g(200,T(k[1],a))}if(E.pathname===`${N}/series`&&c.method==="GET"){const a=E.searchParams,m=a.get("version"),$=m===t.name?"stable":m===h.name?"canary":void 0;if(!$)return g(400,{error:`version must be ${t.name} or ${h.name}`});const I=a.get("metric");if(!G.SERIES_METRICS.includes(I))return g(400,{error:`metric must be one of ${G.SERIES_METRICS.join(", ")}`});const[S,B,A]=["start","end","step"].map(oe=>Number(a.get(oe)));return![S,B,A].every(Number.isFinite)||!(A>0)||B<S?g(400,{error:"start, end and step must be milliseconds, start \u2264 end, step > 0"}):(B-S)/A>o?g(400,{error:`more than ${o} steps`}):g(200,{points:D($,I,S,B,A)})}g(404,{error:"not found"})},"admin"),w=(0,f.createServer)((c,x)=>{const E=new URL(c.url??"/","http://router");if(E.pathname.startsWith(N))return R(c,x,E);const g=P(),k=new URL(c.url??"/",g==="canary"?h.url:t.url),a=e(),m=(0,f.request)(k,{method:c.method,headers:c.headers,agent:v},$=>{x.writeHead($.statusCode??502,$.headers),$.pipe(x),$.on("end",()=>{l[g].push({at:e(),status:$.statusCode??502,ms:e()-a}),l[g].length>5e4&&l[g].splice(0,1e4)})});m.on("error",()=>{l[g].push({at:e(),status:502,ms:e()-a}),x.headersSent||x.writeHead(502,{"content-type":"text/plain"}),x.end("bad gateway")}),c.pipe(m)});w.keepAliveTimeout=12e4,await new Promise(c=>w.listen(0,"127.0.0.1",c));const{port:L}=w.address(),C=`http://127.0.0.1:${L}`;return{url:C,adminUrl:`${C}${N}`,weight:d(()=>i,"weight"),async close(){v.destroy(),await new Promise(c=>{w.close(()=>c()),w.closeAllConnections()})}}}d(s,"startRouter");function j(t,h){const e={sent:0,ok:0,failed:0,errors:0,byVersion:{}},i=new f.Agent({keepAlive:!0,maxSockets:h.workers??16}),r=h.workers??16,l=1e3*r/h.rps;let v=!0;const P=d(()=>new Promise(R=>{e.sent+=1;const w=(0,f.request)(t,{agent:i,timeout:5e3},L=>{const C=String(L.headers["x-version"]??"unknown");e.byVersion[C]=(e.byVersion[C]??0)+1,(L.statusCode??500)>=500?e.failed+=1:e.ok+=1,L.resume(),L.on("end",R)});w.on("timeout",()=>w.destroy(new Error("timeout"))),w.on("error",()=>{e.errors+=1,R()}),w.end()}),"once"),T=d(async R=>{for(await new Promise(w=>setTimeout(w,R));v&&e.sent<h.maxRequests;){const w=Date.now();await P();const L=l-(Date.now()-w);L>0&&await new Promise(C=>setTimeout(C,L))}},"worker"),D=Promise.all(Array.from({length:r},(R,w)=>T(w*l/r)));return{counts:e,async stop(){return v=!1,await D,i.destroy(),e}}}d(j,"startLoad");var y=n(6347),M=n(6307),p=n(4290),J=n(2410),X=n(6033),V=n(4944),F=n(7840);function q(t,h,e,i){const r=(0,F.E9)(i)??1e4,l=`${Math.max(1e3,Math.round(r/6))}ms`,v=`${Math.max(100,Math.round(r/16))}ms`;return`# The demo's rollout spec, written by \`rollgate demo\`.
version: 1
strategy: canary
environment: demo
traffic:
  provider: embedded
  url: ${t}
  stable: ${h}
  canary: ${e}
stages:
  - weight: 1
    bake: ${i}
  - weight: 5
    bake: ${i}
  - weight: 25
    bake: ${i}
  - weight: 50
    bake: ${i}
  - weight: 100
    bake: ${i}
gates:
  # Canary against baseline, never against a fixed number: what the machine does to both is no regression.
  errors:
    provider: embedded      # what the embedded router saw of each version, step by step
    url: ${t}
    compare:
      judge: sequential     # always-valid: checked every ${l} over the whole rollout, alpha spent once
      canary: "errors:{{canary}}"
      baseline: "errors:{{baseline}}"
      requests: { canary: "requests:{{canary}}", baseline: "requests:{{baseline}}" }
      tolerance: 10%
      minRequests: 50       # fewer canary requests is no data, not a pass
    interval: ${l}
    inconclusiveLimit: 20   # at 1 % the canary sees a handful of requests
  latency:
    provider: embedded
    url: ${t}
    compare:
      judge: mann-whitney   # per-step medians of canary vs baseline
      canary: "p50Ms:{{canary}}"
      baseline: "p50Ms:{{baseline}}"
      step: ${v}
      minSamples: 5
      tolerance: 50%
      minDifference: 50     # ms: slower by less is not worth a rollback
    interval: ${l}
    inconclusiveLimit: 20
`}d(q,"demoSpec");async function _(t){const h=await(0,O.mkdtemp)((0,U.join)((0,z.tmpdir)(),"rollgate-demo-")),e=await W(t.stable),i=await W(t.canary,t.fault),r=await s({name:t.stable,url:e.url},{name:t.canary,url:i.url}),l=(0,F.E9)(t.bake)??1e4,v=j(r.url,{rps:t.rps,maxRequests:Math.ceil(t.rps*(l/1e3)*5*3)+1e3}),P=Date.now();try{const T=(0,U.join)(h,"rollout.yml"),D=q(r.adminUrl,t.stable,t.canary,t.bake);await(0,O.writeFile)(T,D);const R=await(0,y.Lb)(T),{router:w,gates:L}=(0,J.T)(R,{env:{},log:t.log,cwd:h});return{...await(0,p.r)({router:w,gates:L,store:new X.n((0,U.join)(h,"state.json")),reporters:[t.reporter],clock:V.m,log:t.log},{plan:(0,M.v)(R),id:`demo-${t.canary}`,...t.signal?{signal:t.signal}:{}}),load:await v.stop(),spec:D,durationMs:Date.now()-P}}finally{await v.stop(),await r.close(),await Promise.all([e.close(),i.close()]),await(0,O.rm)(h,{recursive:!0,force:!0})}}d(_,"runScenario");var Z=n(9475),ee=n(4285),te=n(6433),se=n(955),Q=n(9071);const ae={errors:{fault:{errorRate:.1},label:"10% HTTP 500"},latency:{fault:{extraLatencyMs:200},label:"+200 ms latency"}},ne={help:`Usage: rollgate demo [--scenario both|healthy|faulty] [--fault errors|latency] [--bake 10s] [--rps 200]
                     [--report FILE]

Starts two versions of a small HTTP service on 127.0.0.1, the embedded weighted router in front of
them and a load generator, then runs a canary 1% \u2192 5% \u2192 25% \u2192 50% \u2192 100%. The second run ships a
version with a fault (default 10% HTTP 500) and shows the automatic rollback with its evidence.
Nothing leaves this machine; nothing needs installing.

Exit codes: with --scenario both, 0 when the healthy run promoted and the faulty run rolled back;
with one scenario, the rollout's own code (0 promoted, 1 rolled back); 4 on error.`,async run(t,h){const{values:e}=(0,K.parseArgs)({args:t,options:{scenario:{type:"string",default:"both"},fault:{type:"string",default:"errors"},bake:{type:"string",default:"10s"},rps:{type:"string",default:"200"},report:{type:"string",default:".rollgate/demo-report.md"}}}),i=ae[e.fault];if(!i)throw new b.e(`--fault must be errors or latency (got ${e.fault})`);if(!["both","healthy","faulty"].includes(e.scenario))throw new b.e(`--scenario must be both, healthy or faulty (got ${e.scenario})`);const r=Number(e.rps);if(!Number.isFinite(r)||r<10||r>2e3)throw new b.e("--rps must be a number from 10 to 2000");const l=new Z.C(h.stderr),v=h.stdout;v.write(`Rollgate demo \u2014 everything runs on 127.0.0.1; nothing leaves this machine.
`);const P=[],T=[],D=[],R=d(async(c,x,E,g)=>{v.write(`
\u2501\u2501 ${c} \u2501\u2501
`);const k=new Z.l(v,V.m,"  "),a=await _({stable:x,canary:E,fault:g,bake:e.bake,rps:r,reporter:k,log:l,signal:h.signal});k.close();const{load:m}=a,$=Object.entries(m.byVersion).map(([I,S])=>`${I} ${S}`).join(", ");v.write(`  load: ${m.sent} requests in ${(0,F.a3)(a.durationMs)} \u2014 ${m.failed} HTTP 5xx, ${m.errors} connection errors (answered by: ${$})
`),v.write(`  what the judges saw (the latest judged check of each gate):
`);for(const I of Object.keys(a.plan.gates)){const S=a.state.measurements.filter(A=>A.gate===I),B=S.findLast(A=>A.verdict==="pass"||A.verdict==="fail")??S.at(-1);for(const A of B?re(B):[`${I}: never measured`])v.write(`    ${A}
`)}return P.push(`## ${c}

${(0,ee._9)(a.plan,a.state)}`),T.push({title:c,plan:a.plan,state:a.state}),D.push(a),a},"run");e.scenario!=="faulty"&&await R("Run 1: healthy canary v2 (v1 is stable)","v1","v2",{}),e.scenario!=="healthy"&&!h.signal.aborted&&await R(`Run 2: faulty canary v3 (${i.label}; v2 is stable)`,"v2","v3",i.fault);const w=(0,U.resolve)(h.cwd,e.report);await(0,O.mkdir)((0,U.resolve)(w,".."),{recursive:!0}),await(0,O.writeFile)(w,`# Rollgate demo report

${P.join(`

`)}`);const L=w.replace(/(\.md)?$/i,".html");if(await(0,O.writeFile)(L,(0,te.w)(T,"Rollgate demo report")),v.write(`
Report (Markdown): ${w}
Report (HTML, with charts): ${L}
`),e.scenario==="both"){const[c,x]=D,E=c?.outcome==="promoted"&&x?.outcome==="rolled-back";return v.write(E?`Both runs behaved as expected: promoted, then rolled back.
`:`The demo did not go as expected; see above.
`),E?b.d.ok:b.d.error}const C=D[0]?.outcome;return C==="promoted"?b.d.promoted:C==="rolled-back"?b.d.rolledBack:C==="paused"?b.d.paused:b.d.error}};function re(t){const h=t.evidence,e=h.details??{},i=[`${t.gate}: ${t.verdict} at stage ${(0,se.sX)(t.stage)} \u2014 ${h.summary}`],r=Object.fromEntries((h.query??"").split(`
`).map(l=>l.split(": ")));if(e.judge==="sequential"){i.push(`  compared ${r.canary} of ${r.canaryRequests} (canary) with ${r.baseline} of ${r.baselineRequests} (baseline), every step since the rollout began`,`  judged: canary ${e.canaryErrors} errors in ${e.canaryRequests} requests, baseline ${e.baselineErrors} in ${e.baselineRequests} (${e.warmupIntervals} warm-up steps shown, not judged)`);const l=e.stages??[];l.length&&i.push(`  always-valid p at the end of each stage: ${l.map(v=>`${v.stage}: ${(0,Q.MA)(v.p)}`).join(", ")}`)}else if(e.judge==="mann-whitney"){const l=e.samples??{};i.push(`  compared ${r.canary} (canary) with ${r.baseline} (baseline), one value per step since the stage began`,`  judged: ${l.canary} canary and ${l.baseline} baseline values`+(e.warmupSamples?` (${e.warmupSamples} from the warm-up shown, not judged)`:"")+(typeof e.margin=="number"?`, a regression only beyond +${(0,Q.ZV)(e.margin)}`:"")+(e.method?`, ${e.method} p-value`:""))}return i}d(re,"judgement")}),9475:((Y,H,n)=>{n.d(H,{C:d(()=>W,"C"),l:d(()=>G,"l")});var K=n(7840),O=n(955),U=n(4285),b=n(480),z=n(4537);const f={pass:"\u2714",fail:"\u2718",inconclusive:"?",waiting:"\u2026",error:"!"};class W{static{d(this,"ConsoleLogger")}err;verbose;constructor(o,u=!1){this.err=o,this.verbose=u}info(o){this.err.write(`${(0,b.kc)(o)}
`)}warn(o){this.err.write(`warning: ${(0,b.kc)(o)}
`)}debug(o){this.verbose&&this.err.write(`debug: ${(0,b.kc)(o)}
`)}mask(o){(0,z.cl)(o)}}class G{static{d(this,"ConsoleReporter")}out;clock;prefix;live;timer;drawn=!1;constructor(o,u,s=""){this.out=o,this.clock=u,this.prefix=s}async report(o,u,s){this.clearLive();const j=this.line(o,u,s),y=j===void 0?void 0:(0,b.kc)(j);y&&this.out.write(`${y.split(`
`).map(p=>`${this.prefix}${p}`).join(`
`)}
`);const M=o==="promoted"||o==="rolled-back"||o==="failed"||o==="paused"||o==="awaiting-approval";this.live=M?void 0:{plan:s,state:u},this.out.isTTY&&!M?this.startLive():this.stopLive(),this.drawLive()}close(){this.clearLive(),this.stopLive()}line(o,u,s){const j=s.stages[u.stage],y=`[${new Date(this.clock.now()).toISOString().slice(11,19)}]`;switch(o){case"started":return`${y} rollout of ${s.canary} to ${s.environment}: ${s.stages.map(M=>`${M.weight}%`).join(" \u2192 ")}`;case"stage-started":return`${y} ${(0,O.Hn)(s,u.stage)}: ${u.weight}% to ${s.canary}${j.bakeMs?`, baking ${(0,K.a3)((0,O.Gs)(s,j).minimumMs)}`:""}`;case"measured":{const M=this.latest(u);return this.out.isTTY?void 0:`${y}   ${M}`}case"drift":return`${y} ${u.timeline.at(-1)?.message??"drift"}`;case"rolled-back":case"promoted":case"failed":case"awaiting-approval":case"paused":case"resumed":return`${y} ${(0,U.Bs)(s,u,M=>M).replace(/\*\*/g,"")}${o==="rolled-back"&&u.failure?`
${y}   why: ${u.failure.reason}`:""}`}}latest(o){const u=new Map;for(const s of o.measurements)s.stage===o.stage&&u.set(s.gate,s);return[...u.values()].map(s=>`${f[s.verdict]} ${s.gate} ${s.evidence.value!==void 0?(0,U.Fl)(s.evidence.value):s.evidence.summary}`).join("  ")||"no measurements yet"}startLive(){this.timer||(this.timer=setInterval(()=>{this.clearLive(),this.drawLive()},1e3),this.timer.unref())}stopLive(){this.timer&&clearInterval(this.timer),this.timer=void 0}drawLive(){if(!this.out.isTTY||!this.live)return;const{plan:o,state:u}=this.live,s=o.stages[u.stage],j=u.stageStartedAt!==void 0?Math.max(0,u.stageStartedAt+(0,O.Gs)(o,s).minimumMs-this.clock.now()):0,y=`${this.prefix}\u25B6 ${(0,O.Hn)(o,u.stage)} \xB7 ${u.weight}% \xB7 bake ${(0,K.a3)(j)} left \xB7 ${this.latest(u)}`;this.out.write((0,b.kc)(y).slice(0,Math.max(20,(this.out.columns||120)-1))),this.drawn=!0}clearLive(){this.drawn&&this.out.write("\r\x1B[K"),this.drawn=!1}}}),6433:((Y,H,n)=>{n.d(H,{w:d(()=>o,"w")});var K=n(955),O=n(7840),U=n(194),b=n(4285),z=n(4537);const f=d(s=>(0,z.E$)(s).replace(/&/g,"&amp;").replace(/</g,"&lt;").replace(/>/g,"&gt;").replace(/"/g,"&quot;").replace(/'/g,"&#39;"),"html"),W=d(s=>s.replace(/\*\*/g,""),"plain"),G=d(s=>new Date(s).toISOString().slice(11,19),"time"),N=d(s=>s&&/^https?:\/\//i.test(s)?`<a href="${f(s)}">${f(s)}</a>`:f(s??""),"link");function o(s,j="Rollgate report"){return`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${f(j)}</title>
<style>
body{font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;max-width:980px;margin:24px auto;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #d1d9e0;padding-bottom:4px;margin-top:32px}
table{border-collapse:collapse;margin:12px 0}td,th{border:1px solid #d1d9e0;padding:4px 10px;text-align:left;vertical-align:top}
.status{font-size:16px;font-weight:600}.caution{border-left:4px solid #cf222e;background:#ffebe9;padding:8px 12px;margin:12px 0}
code{background:#eff1f3;padding:1px 4px;border-radius:4px;font-size:12px}svg{width:100%;max-width:640px;display:block;margin:12px 0}
.timeline{font-family:ui-monospace,monospace;font-size:12px}
</style></head><body>
<h1>${f(j)}</h1>
${s.map(u).join(`
`)}
</body></html>
`}d(o,"renderHtmlReport");function u({title:s,plan:j,state:y}){const M=[`<section><h2>${f(s)}</h2>`,`<p class="status">${f(W((0,b.Bs)(j,y,p=>p)))}</p>`];if(y.failure){const p=y.failure.evidence;M.push('<div class="caution">',`<strong>${f(y.failure.gate?`Gate ${y.failure.gate} failed`:"Rollout stopped")}</strong> \u2014 ${f(y.failure.reason)}`,"<ul>",...p?.value!==void 0?[`<li>measured <code>${f((0,b.Fl)(p.value))}</code>${p.threshold?` (expected <code>${f(p.threshold)}</code>)`:""}</li>`]:[],...p?.canary!==void 0||p?.baseline!==void 0?[`<li>canary <code>${f((0,b.Fl)(p?.canary))}</code> vs baseline <code>${f((0,b.Fl)(p?.baseline))}</code></li>`]:[],...p?.query?[`<li>query <code>${f(p.query)}</code></li>`]:[],...p?.link?[`<li>source ${N(p.link)}</li>`]:[],"</ul></div>")}M.push("<table><tr><th>#</th><th>weight</th><th>bake</th><th>gates</th><th>measurements ok</th></tr>");for(const p of j.stages){const J=y.measurements.filter(F=>F.stage===p.index),X=J.filter(F=>F.verdict==="pass").length,{minimumMs:V}=(0,K.Gs)(j,p);M.push(`<tr><td>${p.index+1}</td><td>${p.weight}%</td><td>${V?(0,O.a3)(V):"\u2014"}${p.approval?" \xB7 approval":""}</td><td>${f(p.gates.join(", ")||"\u2014")}</td><td>${J.length?`${X}/${J.length}`:"\u2014"}</td></tr>`)}return M.push("</table>"),M.push(...(0,U.Nj)(j,y).map(U.dJ)),y.timeline.length&&M.push('<details><summary>Timeline</summary><div class="timeline">',...y.timeline.map(p=>`<div>${G(p.at)} ${f(p.message)}</div>`),"</div></details>"),M.push("</section>"),M.join(`
`)}d(u,"renderSection")})};export{ce as id,de as ids,ue as modules};
