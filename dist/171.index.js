var y=Object.defineProperty;var u=(m,i)=>y(m,"name",{value:i,configurable:!0});const U=171,B=[171],L={6171:((m,i,t)=>{t.r(i),t.d(i,{statusCommand:u(()=>R,"statusCommand")});var d=t(7975),M=t.n(d),l=t(6760),P=t.n(l),E=t(1455),p=t.n(E),e=t(3567),o=t(746),f=t(4285),v=t(1184),A=t(7840);const R={help:`Usage: rollgate status [--environment NAME | --state FILE] [--flag-age DURATION] [--json]

Reads the state file of a local rollout (default .rollgate/production.json) and prints its
status, stage, weight and the last value of each gate. Then lists, from every state file beside it,
the feature flags at 100 % for longer than their spec's traffic.removeAfter (or --flag-age, e.g. 14d):
candidates to remove from the code.`,async run(g,s){const{values:a}=(0,d.parseArgs)({args:g,options:{state:{type:"string"},environment:{type:"string",short:"e",default:"production"},json:{type:"boolean"},"flag-age":{type:"string"}}}),c=a["flag-age"]===void 0?void 0:(0,A.E9)(a["flag-age"]);if(a["flag-age"]!==void 0&&c===void 0)throw new e.e(`--flag-age: expected a duration such as "30d" (got ${JSON.stringify(a["flag-age"])})`);const _=(0,l.resolve)(s.cwd,a.state??`.rollgate/${a.environment}.json`),n=await new o.n(_).load();if(!n)return s.stderr.write(`no rollout recorded at ${_}
`),e.d.badInput;const O=(0,v.HJ)(await T(_,n),Date.now(),c);if(a.json)return s.stdout.write(`${JSON.stringify({...n.state,flagsToRemove:O},null,2)}
`),e.d.ok;const{plan:I,state:h}=n;s.stdout.write(`${(0,f.Bs)(I,h).replace(/\*\*/g,"")}
`);const D=new Map;for(const r of h.measurements)D.set(r.gate,r);for(const r of D.values())s.stdout.write(`  ${r.gate}: ${r.verdict} ${(0,f.Fl)(r.evidence.value)} \u2014 ${r.evidence.summary}
`);if(h.failure&&s.stdout.write(`  why: ${h.failure.reason}
`),O.length){s.stdout.write(`
Flags fully rolled out long enough to remove from the code:
`);for(const r of O)s.stdout.write(`  ${(0,v.pq)(r)}
`)}return e.d.ok}};async function T(g,s){const a=(0,l.dirname)(g),c=await(0,E.readdir)(a).catch(()=>[]),_=await Promise.all(c.filter(n=>n.endsWith(".json")&&(0,l.join)(a,n)!==g).map(n=>new o.n((0,l.join)(a,n)).load().catch(()=>{})));return[s,..._.filter(n=>n!==void 0)]}u(T,"siblingRecords")}),746:((m,i,t)=>{t.d(i,{n:u(()=>E,"n")});var d=t(1455),M=t.n(d),l=t(6760),P=t.n(l);class E{static{u(this,"FileStateStore")}path;constructor(e){this.path=e}async load(){let e;try{e=await(0,d.readFile)(this.path,"utf8")}catch(f){if(f.code==="ENOENT")return;throw f}const o=JSON.parse(e);if(o?.state?.schema!==1||!o.plan)throw new Error(`${this.path}: not a Rollgate state file`);return o}async save(e){await(0,d.mkdir)((0,l.dirname)(this.path),{recursive:!0});const o=`${this.path}.${process.pid}.tmp`;await(0,d.writeFile)(o,`${JSON.stringify(e,null,2)}
`),await(0,d.rename)(o,this.path)}}})};export{U as id,B as ids,L as modules};
