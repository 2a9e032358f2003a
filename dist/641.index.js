var Q=Object.defineProperty;var v=(D,E)=>Q(D,"name",{value:E,configurable:!0});const Z=641,q=[641],_={7641:((D,E,u)=>{u.r(E),u.d(E,{demoCommand:v(()=>Y,"demoCommand")});var N=u(7975),j=u(1455),A=u(6760),k=u(3567),O=u(8161),R=u(7067);async function e(r,d={},t=Math.random){let o=d,i=!0;const h=(0,R.createServer)((g,y)=>{if(g.url==="/healthz"){y.writeHead(i?200:503,{"content-type":"application/json"}),y.end(JSON.stringify({version:r,ready:i}));return}const L=t()<(o.errorRate??0),m=v(()=>{y.writeHead(L?500:200,{"content-type":"application/json","x-version":r}),y.end(JSON.stringify(L?{version:r,error:"injected fault"}:{version:r,ok:!0}))},"respond");o.extraLatencyMs?setTimeout(m,o.extraLatencyMs):m()});h.keepAliveTimeout=12e4,await new Promise(g=>h.listen(0,"127.0.0.1",g));const{port:l}=h.address();return{version:r,port:l,url:`http://127.0.0.1:${l}`,setFault(g){o=g},async close(g=0){i=!1,g&&await new Promise(y=>setTimeout(y,g)),await new Promise(y=>{h.close(()=>y()),h.closeIdleConnections()})}}}v(e,"startService");const s="/_rollgate";async function n(r,d,t=Date.now){let o=0,i={stable:0,canary:0};const h={stable:[],canary:[]},l=new R.Agent({keepAlive:!0,maxSockets:256}),g=v(()=>{i={stable:i.stable+(100-o),canary:i.canary+o};const a=i.canary>i.stable?"canary":"stable";return i[a]-=100,a},"pick"),y=v((a,x)=>{const P=t()-x,w=h[a].filter(f=>f.at>=P),b=w.filter(f=>f.status>=500).length,c=w.map(f=>f.ms).sort((f,M)=>f-M);return{requests:w.length,errors:b,errorRate:w.length?b/w.length:null,p50Ms:c.length?c[Math.floor((c.length-1)/2)]:null,p99Ms:c.length?c[Math.min(c.length-1,Math.floor(c.length*.99))]:null}},"stats"),L=v((a,x,P)=>{const w=v((c,f)=>{x.writeHead(c,{"content-type":"application/json"}),x.end(JSON.stringify(f))},"send");if(P.pathname===`${s}/weight`&&a.method==="GET")return w(200,{weight:o});if(P.pathname===`${s}/weight`&&a.method==="PUT"){let c="";a.on("data",f=>c+=f.toString()),a.on("end",()=>{const f=Number(JSON.parse(c||"{}").weight);if(!Number.isInteger(f)||f<0||f>100)return w(400,{error:"weight must be a whole number from 0 to 100"});o=f,i={stable:0,canary:0},w(200,{weight:o})});return}const b=/^\/_rollgate\/stats\/(stable|canary)$/.exec(P.pathname);if(b&&a.method==="GET"){const c=Number(P.searchParams.get("windowMs")??5e3);return w(200,y(b[1],c))}w(404,{error:"not found"})},"admin"),m=(0,R.createServer)((a,x)=>{const P=new URL(a.url??"/","http://router");if(P.pathname.startsWith(s))return L(a,x,P);const w=g(),b=new URL(a.url??"/",w==="canary"?d.url:r.url),c=t(),f=(0,R.request)(b,{method:a.method,headers:a.headers,agent:l},M=>{x.writeHead(M.statusCode??502,M.headers),M.pipe(x),M.on("end",()=>{h[w].push({at:t(),status:M.statusCode??502,ms:t()-c}),h[w].length>5e4&&h[w].splice(0,1e4)})});f.on("error",()=>{h[w].push({at:t(),status:502,ms:t()-c}),x.headersSent||x.writeHead(502,{"content-type":"text/plain"}),x.end("bad gateway")}),a.pipe(f)});m.keepAliveTimeout=12e4,await new Promise(a=>m.listen(0,"127.0.0.1",a));const{port:p}=m.address(),$=`http://127.0.0.1:${p}`;return{url:$,adminUrl:`${$}${s}`,weight:v(()=>o,"weight"),async close(){l.destroy(),await new Promise(a=>{m.close(()=>a()),m.closeAllConnections()})}}}v(n,"startRouter");function S(r,d){const t={sent:0,ok:0,failed:0,errors:0,byVersion:{}},o=new R.Agent({keepAlive:!0,maxSockets:d.workers??16}),i=d.workers??16,h=1e3*i/d.rps;let l=!0;const g=v(()=>new Promise(m=>{t.sent+=1;const p=(0,R.request)(r,{agent:o,timeout:5e3},$=>{const a=String($.headers["x-version"]??"unknown");t.byVersion[a]=(t.byVersion[a]??0)+1,($.statusCode??500)>=500?t.failed+=1:t.ok+=1,$.resume(),$.on("end",m)});p.on("timeout",()=>p.destroy(new Error("timeout"))),p.on("error",()=>{t.errors+=1,m()}),p.end()}),"once"),y=v(async m=>{for(await new Promise(p=>setTimeout(p,m));l&&t.sent<d.maxRequests;){const p=Date.now();await g();const $=h-(Date.now()-p);$>0&&await new Promise(a=>setTimeout(a,$))}},"worker"),L=Promise.all(Array.from({length:i},(m,p)=>y(p*h/i)));return{counts:t,async stop(){return l=!1,await L,o.destroy(),t}}}v(S,"startLoad");var T=u(6347),C=u(955),F=u(4290),B=u(2410),G=u(746),I=u(4944),H=u(7840);function J(r,d,t,o){const i=(0,H.E9)(o)??1e4,h=`${Math.max(250,Math.round(i/4))}ms`,l=Math.max(1e3,Math.round(i/2)),g=`${r}/stats/canary?windowMs=${l}`;return`# The demo's rollout spec, written by \`rollgate demo\`.
version: 1
strategy: canary
environment: demo
traffic:
  provider: embedded
  url: ${r}
  stable: ${d}
  canary: ${t}
stages:
  - weight: 1
    bake: ${o}
  - weight: 5
    bake: ${o}
  - weight: 25
    bake: ${o}
  - weight: 50
    bake: ${o}
  - weight: 100
    bake: ${o}
gates:
  error-rate:
    provider: http
    url: ${g}
    requests: 1
    value: errorRate        # share of HTTP 5xx from the canary over the last ${l}ms
    threshold: "< 0.01"
    interval: ${h}
    failureLimit: 1
    inconclusiveLimit: 20   # at 1 % the canary may see no request in a window
  latency:
    provider: http
    url: ${g}
    requests: 1
    value: p50Ms            # median: a slow version moves it, one busy moment on this machine does not
    threshold: "< 100"
    interval: ${h}
    failureLimit: 1
    inconclusiveLimit: 20
`}v(J,"demoSpec");async function V(r){const d=await(0,j.mkdtemp)((0,A.join)((0,O.tmpdir)(),"rollgate-demo-")),t=await e(r.stable),o=await e(r.canary,r.fault),i=await n({name:r.stable,url:t.url},{name:r.canary,url:o.url}),h=(0,H.E9)(r.bake)??1e4,l=S(i.url,{rps:r.rps,maxRequests:Math.ceil(r.rps*(h/1e3)*5*3)+1e3}),g=Date.now();try{const y=(0,A.join)(d,"rollout.yml"),L=J(i.adminUrl,r.stable,r.canary,r.bake);await(0,j.writeFile)(y,L);const m=await(0,T.Lb)(y),{router:p,gates:$}=(0,B.T)(m,{env:{},log:r.log,cwd:d});return{...await(0,F.r)({router:p,gates:$,store:new G.n((0,A.join)(d,"state.json")),reporters:[r.reporter],clock:I.m,log:r.log},{plan:(0,C.vN)(m),id:`demo-${r.canary}`,...r.signal?{signal:r.signal}:{}}),load:await l.stop(),spec:L,durationMs:Date.now()-g}}finally{await l.stop(),await i.close(),await Promise.all([t.close(),o.close()]),await(0,j.rm)(d,{recursive:!0,force:!0})}}v(V,"runScenario");var U=u(9475),K=u(4285);const W={errors:{fault:{errorRate:.05},label:"5% HTTP 500"},latency:{fault:{extraLatencyMs:200},label:"+200 ms latency"}},Y={help:`Usage: rollgate demo [--scenario both|healthy|faulty] [--fault errors|latency] [--bake 10s] [--rps 200]
                     [--report FILE]

Starts two versions of a small HTTP service on 127.0.0.1, the embedded weighted router in front of
them and a load generator, then runs a canary 1% \u2192 5% \u2192 25% \u2192 50% \u2192 100%. The second run ships a
version with a fault (default 5% HTTP 500) and shows the automatic rollback with its evidence.
Nothing leaves this machine; nothing needs installing.

Exit codes: with --scenario both, 0 when the healthy run promoted and the faulty run rolled back;
with one scenario, the rollout's own code (0 promoted, 1 rolled back); 4 on error.`,async run(r,d){const{values:t}=(0,N.parseArgs)({args:r,options:{scenario:{type:"string",default:"both"},fault:{type:"string",default:"errors"},bake:{type:"string",default:"10s"},rps:{type:"string",default:"200"},report:{type:"string",default:".rollgate/demo-report.md"}}}),o=W[t.fault];if(!o)throw new k.e(`--fault must be errors or latency (got ${t.fault})`);if(!["both","healthy","faulty"].includes(t.scenario))throw new k.e(`--scenario must be both, healthy or faulty (got ${t.scenario})`);const i=Number(t.rps);if(!Number.isFinite(i)||i<10||i>2e3)throw new k.e("--rps must be a number from 10 to 2000");const h=new U.C(d.stderr),l=d.stdout;l.write(`Rollgate demo \u2014 everything runs on 127.0.0.1; nothing leaves this machine.
`);const g=[],y=[],L=v(async($,a,x,P)=>{l.write(`
\u2501\u2501 ${$} \u2501\u2501
`);const w=new U.l(l,I.m,"  "),b=await V({stable:a,canary:x,fault:P,bake:t.bake,rps:i,reporter:w,log:h,signal:d.signal});w.close();const{load:c}=b,f=Object.entries(c.byVersion).map(([M,z])=>`${M} ${z}`).join(", ");if(l.write(`  load: ${c.sent} requests in ${(0,H.a3)(b.durationMs)} \u2014 ${c.failed} HTTP 5xx, ${c.errors} connection errors (answered by: ${f})
`),b.state.failure){const M=b.state.failure.evidence;l.write(`  evidence: ${M?.summary??b.state.failure.reason}${M?.query?`
            from ${M.query}`:""}
`)}return g.push(`## ${$}

${(0,K._9)(b.plan,b.state)}`),y.push(b),b},"run");t.scenario!=="faulty"&&await L("Run 1: healthy canary v2 (v1 is stable)","v1","v2",{}),t.scenario!=="healthy"&&!d.signal.aborted&&await L(`Run 2: faulty canary v3 (${o.label}; v2 is stable)`,"v2","v3",o.fault);const m=(0,A.resolve)(d.cwd,t.report);if(await(0,j.mkdir)((0,A.resolve)(m,".."),{recursive:!0}),await(0,j.writeFile)(m,`# Rollgate demo report

${g.join(`

`)}`),l.write(`
Report (Markdown): ${m}
`),t.scenario==="both"){const[$,a]=y,x=$?.outcome==="promoted"&&a?.outcome==="rolled-back";return l.write(x?`Both runs behaved as expected: promoted, then rolled back.
`:`The demo did not go as expected; see above.
`),x?k.d.ok:k.d.error}const p=y[0]?.outcome;return p==="promoted"?k.d.promoted:p==="rolled-back"?k.d.rolledBack:p==="paused"?k.d.paused:k.d.error}}}),9475:((D,E,u)=>{u.d(E,{C:v(()=>k,"C"),l:v(()=>O,"l")});var N=u(955),j=u(4285);const A={pass:"\u2714",fail:"\u2718",inconclusive:"?",error:"!"};class k{static{v(this,"ConsoleLogger")}err;verbose;secrets=[];constructor(e,s=!1){this.err=e,this.verbose=s}redact(e){return this.secrets.reduce((s,n)=>s.split(n).join("***"),e)}info(e){this.err.write(`${this.redact(e)}
`)}warn(e){this.err.write(`warning: ${this.redact(e)}
`)}debug(e){this.verbose&&this.err.write(`debug: ${this.redact(e)}
`)}mask(e){e.length>=4&&this.secrets.push(e)}}class O{static{v(this,"ConsoleReporter")}out;clock;prefix;live;timer;drawn=!1;constructor(e,s,n=""){this.out=e,this.clock=s,this.prefix=n}async report(e,s,n){this.clearLive();const S=this.line(e,s,n);S&&this.out.write(`${S.split(`
`).map(C=>`${this.prefix}${C}`).join(`
`)}
`);const T=e==="promoted"||e==="rolled-back"||e==="failed"||e==="paused"||e==="awaiting-approval";this.live=T?void 0:{plan:n,state:s},this.out.isTTY&&!T?this.startLive():this.stopLive(),this.drawLive()}close(){this.clearLive(),this.stopLive()}line(e,s,n){const S=n.stages[s.stage],T=`[${new Date(this.clock.now()).toISOString().slice(11,19)}]`;switch(e){case"started":return`${T} rollout of ${n.canary} to ${n.environment}: ${n.stages.map(C=>`${C.weight}%`).join(" \u2192 ")}`;case"stage-started":return`${T} stage ${s.stage+1}/${n.stages.length}: ${s.weight}% to ${n.canary}${S.bakeMs?`, baking ${(0,N.a3)((0,N.Gs)(n,S).minimumMs)}`:""}`;case"measured":{const C=this.latest(s);return this.out.isTTY?void 0:`${T}   ${C}`}case"rolled-back":case"promoted":case"failed":case"awaiting-approval":case"paused":case"resumed":return`${T} ${(0,j.Bs)(n,s).replace(/\*\*/g,"")}${e==="rolled-back"&&s.failure?`
${T}   why: ${s.failure.reason}`:""}`}}latest(e){const s=new Map;for(const n of e.measurements)n.stage===e.stage&&s.set(n.gate,n);return[...s.values()].map(n=>`${A[n.verdict]} ${n.gate} ${n.evidence.value!==void 0?(0,j.Fl)(n.evidence.value):n.evidence.summary}`).join("  ")||"no measurements yet"}startLive(){this.timer||(this.timer=setInterval(()=>{this.clearLive(),this.drawLive()},1e3),this.timer.unref())}stopLive(){this.timer&&clearInterval(this.timer),this.timer=void 0}drawLive(){if(!this.out.isTTY||!this.live)return;const{plan:e,state:s}=this.live,n=e.stages[s.stage],S=s.stageStartedAt!==void 0?Math.max(0,s.stageStartedAt+(0,N.Gs)(e,n).minimumMs-this.clock.now()):0,T=`${this.prefix}\u25B6 stage ${s.stage+1}/${e.stages.length} \xB7 ${s.weight}% \xB7 bake ${(0,N.a3)(S)} left \xB7 ${this.latest(s)}`;this.out.write(T.slice(0,Math.max(20,(this.out.columns||120)-1))),this.drawn=!0}clearLive(){this.drawn&&this.out.write("\r\x1B[K"),this.drawn=!1}}})};export{Z as id,q as ids,_ as modules};
