//! Robot descriptions: URDF files read with urdf-rs, checked so that every mistake is reported
//! with the file, the element and the problem, and their meshes resolved and loaded.
//!
//! Any serial arm described in URDF works: give the scene the URDF path and the name of the
//! end-effector link. Meshes may be STL, OBJ or COLLADA, referenced relative to the mesh
//! directory (default: the URDF's directory) or as `package://<pkg>/<path>`.

use crate::AssetError;
use crate::kinematics::KinematicChain;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use urdf_rs::{Geometry, JointType};

/// A parsed, checked URDF robot and the kinematic chain from its root to the end effector.
#[derive(Debug, Clone)]
pub struct RobotDescription {
    /// The URDF file it came from.
    pub file: PathBuf,
    /// The robot, with mesh paths resolved to files that exist.
    pub urdf: urdf_rs::Robot,
    /// Root link to end-effector link.
    pub chain: KinematicChain,
}

impl RobotDescription {
    /// Loads `file`, resolving meshes against `mesh_dir` (default: the file's directory).
    pub fn from_file(
        file: impl AsRef<Path>,
        mesh_dir: Option<&Path>,
        ee_link: &str,
    ) -> Result<Self, AssetError> {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file).map_err(|source| AssetError::Io {
            file: file.to_path_buf(),
            source,
        })?;
        let mesh_dir = mesh_dir
            .map(Path::to_path_buf)
            .unwrap_or_else(|| file.parent().unwrap_or(Path::new(".")).to_path_buf());
        Self::from_str(&text, file, &mesh_dir, ee_link)
    }

    /// Parses URDF text; `file` names the source in errors.
    pub fn from_str(
        text: &str,
        file: &Path,
        mesh_dir: &Path,
        ee_link: &str,
    ) -> Result<Self, AssetError> {
        check_xml(text, file)?;
        let mut urdf = urdf_rs::read_from_string(text)
            .map_err(|e| AssetError::invalid(file, "robot", format!("not valid URDF: {e}")))?;
        check_structure(&urdf, file)?;
        resolve_meshes(&mut urdf, file, mesh_dir)?;
        let chain = KinematicChain::from_urdf(&urdf, ee_link)
            .map_err(|(element, problem)| AssetError::invalid(file, element, problem))?;
        Ok(Self {
            file: file.to_path_buf(),
            urdf,
            chain,
        })
    }
}

const ROBOT_CHILDREN: &[&str] = &["link", "joint", "material", "transmission", "gazebo"];
const LINK_CHILDREN: &[&str] = &["inertial", "visual", "collision"];
const JOINT_CHILDREN: &[&str] = &[
    "parent",
    "child",
    "origin",
    "axis",
    "limit",
    "dynamics",
    "mimic",
    "calibration",
    "safety_controller",
];
const GEOMETRY_CHILDREN: &[&str] = &["box", "cylinder", "sphere", "mesh", "capsule"];

/// How many numbers an attribute must hold, for attributes that hold numbers.
fn numeric_arity(attribute: &str) -> Option<usize> {
    match attribute {
        "xyz" | "rpy" | "size" | "scale" => Some(3),
        "radius" | "length" | "value" | "ixx" | "ixy" | "ixz" | "iyy" | "iyz" | "izz" | "lower"
        | "upper" | "effort" | "velocity" | "damping" | "friction" => Some(1),
        _ => None,
    }
}

/// Checks what urdf-rs would silently accept or report without a location: misspelt tags and
/// malformed numbers. Errors name the element by its path and line.
fn check_xml(text: &str, file: &Path) -> Result<(), AssetError> {
    let doc = roxmltree::Document::parse(text)
        .map_err(|e| AssetError::invalid(file, "document", format!("not well-formed XML: {e}")))?;
    let root = doc.root_element();
    if root.tag_name().name() != "robot" {
        return Err(AssetError::invalid(
            file,
            format!("<{}>", root.tag_name().name()),
            "the root element must be <robot>",
        ));
    }
    let describe = |node: roxmltree::Node| -> String {
        let mut parts = Vec::new();
        let mut n = Some(node);
        while let Some(x) = n {
            if x.is_element() && x.tag_name().name() != "robot" {
                match x.attribute("name") {
                    Some(name) => parts.push(format!("{} \"{}\"", x.tag_name().name(), name)),
                    None => parts.push(x.tag_name().name().to_string()),
                }
            }
            n = x.parent();
        }
        parts.reverse();
        let pos = doc.text_pos_at(node.range().start);
        format!("{} (line {})", parts.join(" > "), pos.row)
    };
    for node in root.descendants().filter(|n| n.is_element()) {
        let parent = node.parent_element().map(|p| p.tag_name().name());
        let tag = node.tag_name().name();
        let allowed: Option<&[&str]> = match parent {
            Some("robot") => Some(ROBOT_CHILDREN),
            Some("link") => Some(LINK_CHILDREN),
            Some("joint")
                if node.parent_element().and_then(|p| p.parent_element()) == Some(root) =>
            {
                Some(JOINT_CHILDREN)
            }
            Some("geometry") => Some(GEOMETRY_CHILDREN),
            _ => None,
        };
        if let Some(allowed) = allowed
            && !allowed.contains(&tag)
        {
            return Err(AssetError::invalid(
                file,
                describe(node),
                format!(
                    "unknown element <{tag}>; expected one of: {}",
                    allowed.join(", ")
                ),
            ));
        }
        // Numbers are only checked inside URDF's own elements; <gazebo> and <transmission>
        // blocks belong to other tools.
        let foreign = node
            .ancestors()
            .any(|a| matches!(a.tag_name().name(), "gazebo" | "transmission"));
        if foreign {
            continue;
        }
        for attr in node.attributes() {
            let Some(arity) = numeric_arity(attr.name()) else {
                continue;
            };
            let words: Vec<&str> = attr.value().split_whitespace().collect();
            if words.len() != arity {
                return Err(AssetError::invalid(
                    file,
                    describe(node),
                    format!(
                        "attribute {}=\"{}\" must hold {arity} number(s), found {}",
                        attr.name(),
                        attr.value(),
                        words.len()
                    ),
                ));
            }
            for w in words {
                match w.parse::<f64>() {
                    Ok(x) if x.is_finite() => {}
                    _ => {
                        return Err(AssetError::invalid(
                            file,
                            describe(node),
                            format!(
                                "attribute {}=\"{}\": \"{w}\" is not a finite number",
                                attr.name(),
                                attr.value()
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Links and joints must form one tree; moving joints need sensible limits and axes.
fn check_structure(urdf: &urdf_rs::Robot, file: &Path) -> Result<(), AssetError> {
    let links = check_links(urdf, file)?;
    let parent_of = check_joints(urdf, &links, file)?;
    let roots: Vec<&str> = urdf
        .links
        .iter()
        .map(|l| l.name.as_str())
        .filter(|l| !parent_of.contains_key(l))
        .collect();
    if roots.len() != 1 {
        return Err(AssetError::invalid(
            file,
            "robot",
            format!("links must form one tree with one root; roots found: {roots:?}"),
        ));
    }
    check_moving_mass(urdf, links.len(), file)?;
    // A cycle would leave some link unreachable from the root.
    for link in &links {
        let mut cur = *link;
        let mut hops = 0;
        while let Some(p) = parent_of.get(cur) {
            cur = p;
            hops += 1;
            if hops > links.len() {
                return Err(AssetError::invalid(
                    file,
                    format!("link \"{link}\""),
                    "joints form a cycle",
                ));
            }
        }
    }
    Ok(())
}

/// Link names are unique, collision sizes positive, masses not negative; returns the names.
fn check_links<'a>(urdf: &'a urdf_rs::Robot, file: &Path) -> Result<HashSet<&'a str>, AssetError> {
    let mut links = HashSet::new();
    for link in &urdf.links {
        if !links.insert(link.name.as_str()) {
            return Err(AssetError::invalid(
                file,
                format!("link \"{}\"", link.name),
                "is defined twice",
            ));
        }
        for (i, c) in link.collision.iter().enumerate() {
            let bad = match &c.geometry {
                Geometry::Box { size } => size.iter().any(|s| *s < 0.0),
                Geometry::Cylinder { radius, length } | Geometry::Capsule { radius, length } => {
                    *radius <= 0.0 || *length < 0.0
                }
                Geometry::Sphere { radius } => *radius <= 0.0,
                Geometry::Mesh { .. } => false,
            };
            if bad {
                return Err(AssetError::invalid(
                    file,
                    format!("link \"{}\" > collision[{i}] > geometry", link.name),
                    "sizes must be positive",
                ));
            }
        }
        if link.inertial.mass.value < 0.0 {
            return Err(AssetError::invalid(
                file,
                format!("link \"{}\" > inertial > mass", link.name),
                "mass must not be negative",
            ));
        }
    }
    Ok(links)
}

/// Joint names are unique, each joins two defined links and gives its child its only parent;
/// returns each child link's parent.
fn check_joints<'a>(
    urdf: &'a urdf_rs::Robot,
    links: &HashSet<&str>,
    file: &Path,
) -> Result<HashMap<&'a str, &'a str>, AssetError> {
    let mut parent_of: HashMap<&str, &str> = HashMap::new();
    let mut joint_names = HashSet::new();
    for joint in &urdf.joints {
        let el = format!("joint \"{}\"", joint.name);
        if !joint_names.insert(joint.name.as_str()) {
            return Err(AssetError::invalid(file, el, "is defined twice"));
        }
        for (role, name) in [("parent", &joint.parent.link), ("child", &joint.child.link)] {
            if !links.contains(name.as_str()) {
                return Err(AssetError::invalid(
                    file,
                    format!("{el} > {role}"),
                    format!("link \"{name}\" is not defined"),
                ));
            }
        }
        if parent_of
            .insert(&joint.child.link, &joint.parent.link)
            .is_some()
        {
            return Err(AssetError::invalid(
                file,
                el,
                format!("link \"{}\" already has a parent joint", joint.child.link),
            ));
        }
        check_joint(joint, &el, file)?;
    }
    Ok(parent_of)
}

/// A joint of a supported type, with sensible limits (revolute, prismatic) and a non-zero axis.
fn check_joint(joint: &urdf_rs::Joint, el: &str, file: &Path) -> Result<(), AssetError> {
    match &joint.joint_type {
        JointType::Revolute | JointType::Prismatic => {
            if joint.limit.lower >= joint.limit.upper {
                return Err(AssetError::invalid(
                    file,
                    format!("{el} > limit"),
                    format!(
                        "a {:?} joint needs lower < upper, got lower={} upper={}",
                        joint.joint_type, joint.limit.lower, joint.limit.upper
                    ),
                ));
            }
            if joint.limit.velocity <= 0.0 || joint.limit.effort <= 0.0 {
                return Err(AssetError::invalid(
                    file,
                    format!("{el} > limit"),
                    "effort and velocity must be positive: the motors are driven within them",
                ));
            }
        }
        JointType::Continuous | JointType::Fixed => {}
        other => {
            return Err(AssetError::invalid(
                file,
                el,
                format!(
                    "joint type {other:?} is not supported (revolute, continuous, prismatic, fixed are)"
                ),
            ));
        }
    }
    if joint.joint_type != JointType::Fixed {
        let a = joint.axis.xyz;
        if (a[0] * a[0] + a[1] * a[1] + a[2] * a[2]).sqrt() < 1e-9 {
            return Err(AssetError::invalid(
                file,
                format!("{el} > axis"),
                "axis must not be zero",
            ));
        }
    }
    Ok(())
}

/// Every moving joint must move something with mass, or the arm's dynamics are singular.
fn check_moving_mass(urdf: &urdf_rs::Robot, links: usize, file: &Path) -> Result<(), AssetError> {
    let mass: HashMap<&str, f64> = urdf
        .links
        .iter()
        .map(|l| (l.name.as_str(), l.inertial.mass.value))
        .collect();
    for joint in urdf
        .joints
        .iter()
        .filter(|j| j.joint_type != JointType::Fixed)
    {
        let mut total = 0.0;
        let mut stack = vec![joint.child.link.as_str()];
        let mut visited = 0;
        while let Some(link) = stack.pop() {
            visited += 1;
            if visited > links {
                break; // a cycle; reported below
            }
            total += mass.get(link).copied().unwrap_or(0.0);
            stack.extend(
                urdf.joints
                    .iter()
                    .filter(|j| j.parent.link == link)
                    .map(|j| j.child.link.as_str()),
            );
        }
        if total <= 0.0 {
            return Err(AssetError::invalid(
                file,
                format!("joint \"{}\"", joint.name),
                format!(
                    "moves links with no mass (link \"{}\" and below); give them <inertial> masses",
                    joint.child.link
                ),
            ));
        }
    }
    Ok(())
}

/// Rewrites mesh file names to paths that exist, and loads each mesh once to be sure it parses.
fn resolve_meshes(
    urdf: &mut urdf_rs::Robot,
    file: &Path,
    mesh_dir: &Path,
) -> Result<(), AssetError> {
    for link in &mut urdf.links {
        let link_name = link.name.clone();
        let geometries = link
            .collision
            .iter_mut()
            .map(|c| ("collision", &mut c.geometry))
            .chain(link.visual.iter_mut().map(|v| ("visual", &mut v.geometry)));
        for (role, geometry) in geometries {
            let Geometry::Mesh { filename, .. } = geometry else {
                continue;
            };
            let element = format!("link \"{link_name}\" > {role} > mesh \"{filename}\"");
            let path = resolve_mesh_path(filename, mesh_dir);
            if !path.is_file() {
                return Err(AssetError::invalid(
                    file,
                    element,
                    format!("mesh file {} does not exist", path.display()),
                ));
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !matches!(ext.as_str(), "stl" | "obj" | "dae") {
                return Err(AssetError::invalid(
                    file,
                    element,
                    format!("unsupported mesh format \".{ext}\" (STL, OBJ and DAE are supported)"),
                ));
            }
            let converter = rapier3d::geometry::MeshConverter::TriMesh;
            let loaded =
                rapier3d_meshloader::load_from_path(&path, &converter, rapier3d::math::Vector::ONE)
                    .map_err(|e| {
                        AssetError::invalid(file, element.clone(), format!("cannot load mesh: {e}"))
                    })?;
            if loaded.is_empty() || loaded.iter().any(|m| m.is_err()) {
                return Err(AssetError::invalid(
                    file,
                    element,
                    "mesh holds no usable triangles",
                ));
            }
            *filename = path.to_string_lossy().into_owned();
        }
    }
    Ok(())
}

fn resolve_mesh_path(filename: &str, mesh_dir: &Path) -> PathBuf {
    if let Some(rest) = filename.strip_prefix("package://") {
        // package://<package>/<path inside it>: the mesh directory stands in for the package.
        let inner = rest.split_once('/').map(|(_, p)| p).unwrap_or(rest);
        return mesh_dir.join(inner);
    }
    let plain = filename.strip_prefix("file://").unwrap_or(filename);
    let p = Path::new(plain);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        mesh_dir.join(p)
    }
}
