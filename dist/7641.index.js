var le=Object.defineProperty;var f=(H,N)=>le(H,"name",{value:N,configurable:!0});const ce=7641,de=[7641],ue={7641:((H,N,h)=>{h.r(N),h.d(N,{demoCommand:f(()=>se,"demoCommand")});var J=h(7975),P=h(1455),A=h(6760),k=h(3567),G=h(8161),E=h(7067);async function I(t,l={},e=Math.random){let s=l,n=!0;const r=(0,E.createServer)((w,y)=>{if(w.url==="/healthz"){y.writeHead(n?200:503,{"content-type":"application/json"}),y.end(JSON.stringify({version:t,ready:n}));return}const x=e()<(s.errorRate??0),v=f(()=>{y.writeHead(x?500:200,{"content-type":"application/json","x-version":t}),y.end(JSON.stringify(x?{version:t,error:"injected fault"}:{version:t,ok:!0}))},"respond");s.extraLatencyMs?setTimeout(v,s.extraLatencyMs):v()});r.keepAliveTimeout=12e4,await new Promise(w=>r.listen(0,"127.0.0.1",w));const{port:d}=r.address();return{version:t,port:d,url:`http://127.0.0.1:${d}`,setFault(w){s=w},async close(w=0){n=!1,w&&await new Promise(y=>setTimeout(y,w)),await new Promise(y=>{r.close(()=>y()),r.closeIdleConnections()})}}}f(I,"startService");var F=h(2156);const L="/_rollgate",D=11e3;function B(t,l){return t[Math.min(t.length-1,Math.max(0,Math.ceil(l*t.length)-1))]}f(B,"quantile");async function X(t,l,e=Date.now){let s=0,n={stable:0,canary:0};const r={stable:[],canary:[]},d=new E.Agent({keepAlive:!0,maxSockets:256}),w=f(()=>{n={stable:n.stable+(100-s),canary:n.canary+s};const o=n.canary>n.stable?"canary":"stable";return n[o]-=100,o},"pick"),y=f((o,p)=>{const g=e()-p,c=r[o].filter(i=>i.at>=g),M=c.filter(i=>i.status>=500).length,a=c.map(i=>i.ms).sort((i,m)=>i-m);return{requests:c.length,errors:M,errorRate:c.length?M/c.length:null,p50Ms:a.length?a[Math.floor((a.length-1)/2)]:null,p99Ms:a.length?a[Math.min(a.length-1,Math.floor(a.length*.99))]:null}},"stats"),x=f((o,p,g,c,M)=>{const a=[],i=r[o].filter(m=>m.at>g-M&&m.at<=c);for(let m=g;m<=c;m+=M){const j=i.filter(b=>b.at>m-M&&b.at<=m);if(p==="requests")a.push([m,j.length]);else if(p==="errors")a.push([m,j.filter(b=>b.status>=500).length]);else if(j.length){const b=p==="p50Ms"?.5:p==="p90Ms"?.9:.99;a.push([m,B(j.map(R=>R.ms).sort((R,S)=>R-S),b)])}}return a},"series"),v=f((o,p,g)=>{const c=f((a,i)=>{p.writeHead(a,{"content-type":"application/json"}),p.end(JSON.stringify(i))},"send");if(g.pathname===`${L}/weight`&&o.method==="GET")return c(200,{weight:s});if(g.pathname===`${L}/weight`&&o.method==="PUT"){let a="";o.on("data",i=>a+=i.toString()),o.on("end",()=>{const i=Number(JSON.parse(a||"{}").weight);if(!Number.isInteger(i)||i<0||i>100)return c(400,{error:"weight must be a whole number from 0 to 100"});s=i,n={stable:0,canary:0},c(200,{weight:s})});return}const M=/^\/_rollgate\/stats\/(stable|canary)$/.exec(g.pathname);if(M&&o.method==="GET"){const a=Number(g.searchParams.get("windowMs")??5e3);return c(200,y(M[1],a))}if(g.pathname===`${L}/series`&&o.method==="GET"){const a=g.searchParams,i=a.get("version"),m=i===t.name?"stable":i===l.name?"canary":void 0;if(!m)return c(400,{error:`version must be ${t.name} or ${l.name}`});const j=a.get("metric");if(!F.SERIES_METRICS.includes(j))return c(400,{error:`metric must be one of ${F.SERIES_METRICS.join(", ")}`});const[b,R,S]=["start","end","step"].map(oe=>Number(a.get(oe)));return![b,R,S].every(Number.isFinite)||!(S>0)||R<b?c(400,{error:"start, end and step must be milliseconds, start \u2264 end, step > 0"}):(R-b)/S>D?c(400,{error:`more than ${D} steps`}):c(200,{points:x(m,j,b,R,S)})}c(404,{error:"not found"})},"admin"),u=(0,E.createServer)((o,p)=>{const g=new URL(o.url??"/","http://router");if(g.pathname.startsWith(L))return v(o,p,g);const c=w(),M=new URL(o.url??"/",c==="canary"?l.url:t.url),a=e(),i=(0,E.request)(M,{method:o.method,headers:o.headers,agent:d},m=>{p.writeHead(m.statusCode??502,m.headers),m.pipe(p),m.on("end",()=>{r[c].push({at:e(),status:m.statusCode??502,ms:e()-a}),r[c].length>5e4&&r[c].splice(0,1e4)})});i.on("error",()=>{r[c].push({at:e(),status:502,ms:e()-a}),p.headersSent||p.writeHead(502,{"content-type":"text/plain"}),p.end("bad gateway")}),o.pipe(i)});u.keepAliveTimeout=12e4,await new Promise(o=>u.listen(0,"127.0.0.1",o));const{port:$}=u.address(),T=`http://127.0.0.1:${$}`;return{url:T,adminUrl:`${T}${L}`,weight:f(()=>s,"weight"),async close(){d.destroy(),await new Promise(o=>{u.close(()=>o()),u.closeAllConnections()})}}}f(X,"startRouter");function z(t,l){const e={sent:0,ok:0,failed:0,errors:0,byVersion:{}},s=new E.Agent({keepAlive:!0,maxSockets:l.workers??16}),n=l.workers??16,r=1e3*n/l.rps;let d=!0;const w=f(()=>new Promise(v=>{e.sent+=1;const u=(0,E.request)(t,{agent:s,timeout:5e3},$=>{const T=String($.headers["x-version"]??"unknown");e.byVersion[T]=(e.byVersion[T]??0)+1,($.statusCode??500)>=500?e.failed+=1:e.ok+=1,$.resume(),$.on("end",v)});u.on("timeout",()=>u.destroy(new Error("timeout"))),u.on("error",()=>{e.errors+=1,v()}),u.end()}),"once"),y=f(async v=>{for(await new Promise(u=>setTimeout(u,v));d&&e.sent<l.maxRequests;){const u=Date.now();await w();const $=r-(Date.now()-u);$>0&&await new Promise(T=>setTimeout(T,$))}},"worker"),x=Promise.all(Array.from({length:n},(v,u)=>y(u*r/n)));return{counts:e,async stop(){return d=!1,await x,s.destroy(),e}}}f(z,"startLoad");var W=h(6347),Z=h(6307),K=h(4290),Q=h(2410),Y=h(6033),O=h(4944),C=h(7840);function q(t,l,e,s){const n=(0,C.E9)(s)??1e4,r=`${Math.max(1e3,Math.round(n/6))}ms`,d=`${Math.max(100,Math.round(n/16))}ms`;return`# The demo's rollout spec, written by \`rollgate demo\`.
version: 1
strategy: canary
environment: demo
traffic:
  provider: embedded
  url: ${t}
  stable: ${l}
  canary: ${e}
stages:
  - weight: 1
    bake: ${s}
  - weight: 5
    bake: ${s}
  - weight: 25
    bake: ${s}
  - weight: 50
    bake: ${s}
  - weight: 100
    bake: ${s}
gates:
  # Canary against baseline, never against a fixed number: what the machine does to both is no regression.
  errors:
    provider: embedded      # what the embedded router saw of each version, step by step
    url: ${t}
    compare:
      judge: sequential     # always-valid: checked every ${r} over the whole rollout, alpha spent once
      canary: "errors:{{canary}}"
      baseline: "errors:{{baseline}}"
      requests: { canary: "requests:{{canary}}", baseline: "requests:{{baseline}}" }
      tolerance: 10%
      minRequests: 50       # fewer canary requests is no data, not a pass
    interval: ${r}
    inconclusiveLimit: 20   # at 1 % the canary sees a handful of requests
  latency:
    provider: embedded
    url: ${t}
    compare:
      judge: mann-whitney   # per-step medians of canary vs baseline
      canary: "p50Ms:{{canary}}"
      baseline: "p50Ms:{{baseline}}"
      step: ${d}
      minSamples: 5
      tolerance: 50%
      minDifference: 50     # ms: slower by less is not worth a rollback
    interval: ${r}
    inconclusiveLimit: 20
`}f(q,"demoSpec");async function _(t){const l=await(0,P.mkdtemp)((0,A.join)((0,G.tmpdir)(),"rollgate-demo-")),e=await I(t.stable),s=await I(t.canary,t.fault),n=await X({name:t.stable,url:e.url},{name:t.canary,url:s.url}),r=(0,C.E9)(t.bake)??1e4,d=z(n.url,{rps:t.rps,maxRequests:Math.ceil(t.rps*(r/1e3)*5*3)+1e3}),w=Date.now();try{const y=(0,A.join)(l,"rollout.yml"),x=q(n.adminUrl,t.stable,t.canary,t.bake);await(0,P.writeFile)(y,x);const v=await(0,W.Lb)(y),{router:u,gates:$}=(0,Q.T)(v,{env:{},log:t.log,cwd:l});return{...await(0,K.r)({router:u,gates:$,store:new Y.n((0,A.join)(l,"state.json")),reporters:[t.reporter],clock:O.m,log:t.log},{plan:(0,Z.v)(v),id:`demo-${t.canary}`,...t.signal?{signal:t.signal}:{}}),load:await d.stop(),spec:x,durationMs:Date.now()-w}}finally{await d.stop(),await n.close(),await Promise.all([e.close(),s.close()]),await(0,P.rm)(l,{recursive:!0,force:!0})}}f(_,"runScenario");var U=h(9475),ee=h(4285),te=h(6433),ae=h(955),V=h(9071);const ne={errors:{fault:{errorRate:.1},label:"10% HTTP 500"},latency:{fault:{extraLatencyMs:200},label:"+200 ms latency"}},se={help:`Usage: rollgate demo [--scenario both|healthy|faulty] [--fault errors|latency] [--bake 10s] [--rps 200]
                     [--report FILE]

Starts two versions of a small HTTP service on 127.0.0.1, the embedded weighted router in front of
them and a load generator, then runs a canary 1% \u2192 5% \u2192 25% \u2192 50% \u2192 100%. The second run ships a
version with a fault (default 10% HTTP 500) and shows the automatic rollback with its evidence.
Nothing leaves this machine; nothing needs installing.

Exit codes: with --scenario both, 0 when the healthy run promoted and the faulty run rolled back;
with one scenario, the rollout's own code (0 promoted, 1 rolled back); 4 on error.`,async run(t,l){const{values:e}=(0,J.parseArgs)({args:t,options:{scenario:{type:"string",default:"both"},fault:{type:"string",default:"errors"},bake:{type:"string",default:"10s"},rps:{type:"string",default:"200"},report:{type:"string",default:".rollgate/demo-report.md"}}}),s=ne[e.fault];if(!s)throw new k.e(`--fault must be errors or latency (got ${e.fault})`);if(!["both","healthy","faulty"].includes(e.scenario))throw new k.e(`--scenario must be both, healthy or faulty (got ${e.scenario})`);const n=Number(e.rps);if(!Number.isFinite(n)||n<10||n>2e3)throw new k.e("--rps must be a number from 10 to 2000");const r=new U.C(l.stderr),d=l.stdout;d.write(`Rollgate demo \u2014 everything runs on 127.0.0.1; nothing leaves this machine.
`);const w=[],y=[],x=[],v=f(async(o,p,g,c)=>{d.write(`
\u2501\u2501 ${o} \u2501\u2501
`);const M=new U.l(d,O.m,"  "),a=await _({stable:p,canary:g,fault:c,bake:e.bake,rps:n,reporter:M,log:r,signal:l.signal});M.close();const{load:i}=a,m=Object.entries(i.byVersion).map(([j,b])=>`${j} ${b}`).join(", ");d.write(`  load: ${i.sent} requests in ${(0,C.a3)(a.durationMs)} \u2014 ${i.failed} HTTP 5xx, ${i.errors} connection errors (answered by: ${m})
`),d.write(`  what the judges saw (the latest judged check of each gate):
`);for(const j of Object.keys(a.plan.gates)){const b=a.state.measurements.filter(S=>S.gate===j),R=b.findLast(S=>S.verdict==="pass"||S.verdict==="fail")??b.at(-1);for(const S of R?re(R):[`${j}: never measured`])d.write(`    ${S}
`)}return w.push(`## ${o}

${(0,ee._9)(a.plan,a.state)}`),y.push({title:o,plan:a.plan,state:a.state}),x.push(a),a},"run");e.scenario!=="faulty"&&await v("Run 1: healthy canary v2 (v1 is stable)","v1","v2",{}),e.scenario!=="healthy"&&!l.signal.aborted&&await v(`Run 2: faulty canary v3 (${s.label}; v2 is stable)`,"v2","v3",s.fault);const u=(0,A.resolve)(l.cwd,e.report);await(0,P.mkdir)((0,A.resolve)(u,".."),{recursive:!0}),await(0,P.writeFile)(u,`# Rollgate demo report

${w.join(`

`)}`);const $=u.replace(/(\.md)?$/i,".html");if(await(0,P.writeFile)($,(0,te.w)(y,"Rollgate demo report")),d.write(`
Report (Markdown): ${u}
Report (HTML, with charts): ${$}
`),e.scenario==="both"){const[o,p]=x,g=o?.outcome==="promoted"&&p?.outcome==="rolled-back";return d.write(g?`Both runs behaved as expected: promoted, then rolled back.
`:`The demo did not go as expected; see above.
`),g?k.d.ok:k.d.error}const T=x[0]?.outcome;return T==="promoted"?k.d.promoted:T==="rolled-back"?k.d.rolledBack:T==="paused"?k.d.paused:k.d.error}};function re(t){const l=t.evidence,e=l.details??{},s=[`${t.gate}: ${t.verdict} at stage ${(0,ae.sX)(t.stage)} \u2014 ${l.summary}`],n=Object.fromEntries((l.query??"").split(`
`).map(r=>r.split(": ")));if(e.judge==="sequential"){s.push(`  compared ${n.canary} of ${n.canaryRequests} (canary) with ${n.baseline} of ${n.baselineRequests} (baseline), every step since the rollout began`,`  judged: canary ${e.canaryErrors} errors in ${e.canaryRequests} requests, baseline ${e.baselineErrors} in ${e.baselineRequests} (${e.warmupIntervals} warm-up steps shown, not judged)`);const r=e.stages??[];r.length&&s.push(`  always-valid p at the end of each stage: ${r.map(d=>`${d.stage}: ${(0,V.MA)(d.p)}`).join(", ")}`)}else if(e.judge==="mann-whitney"){const r=e.samples??{};s.push(`  compared ${n.canary} (canary) with ${n.baseline} (baseline), one value per step since the stage began`,`  judged: ${r.canary} canary and ${r.baseline} baseline values`+(e.warmupSamples?` (${e.warmupSamples} from the warm-up shown, not judged)`:"")+(typeof e.margin=="number"?`, a regression only beyond +${(0,V.ZV)(e.margin)}`:"")+(e.method?`, ${e.method} p-value`:""))}return s}f(re,"judgement")})};export{ce as id,de as ids,ue as modules};
